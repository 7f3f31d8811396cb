"""Managed disks and snapshots (the DiskRP API group). See docs/emulator/compute-machines.md."""
