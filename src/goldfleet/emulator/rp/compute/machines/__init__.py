"""Virtual machines and scale sets (ComputeRP): create, update, delete, power and OS state, run
commands, extensions, VM sizes, vCPU quota and usage, and the scenario's seeded machines. See
docs/emulator/compute-machines.md and compute-marketplace.md (sizes and quota)."""
