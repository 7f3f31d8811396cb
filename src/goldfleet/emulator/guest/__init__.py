"""The simulated guest: what is inside the disks of the emulated machines, and how the scripts
run on them (Run Commands, Image Builder customizations) change it. No HTTP here."""
