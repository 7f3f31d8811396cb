"""Microsoft.Compute's resource provider, split as Azure's REST specifications split it:
``galleries`` (GalleryRP), ``disks`` (DiskRP), ``machines``, ``managed_images`` and
``marketplace`` (ComputeRP). The package root holds what they share: route assembly
(``routes.py``), long-running operations, errors, settings, naming, request handling and the
control API's compute part. See docs/emulator/compute-*.md."""
