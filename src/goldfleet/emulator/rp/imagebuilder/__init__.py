"""Microsoft.VirtualMachineImages: image templates and their builds."""
