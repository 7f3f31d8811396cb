"""Managed images (``Microsoft.Compute/images``, ComputeRP). See
docs/emulator/compute-machines.md."""
