"""The ARM front door: the machinery every resource provider of the emulator stands on."""
