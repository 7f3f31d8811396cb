"""The Azure Marketplace image catalog (``VirtualMachineImages_*``, ComputeRP). See
docs/emulator/compute-marketplace.md."""
