"""Resource providers of the emulator, one package each: routes (HTTP) over a backend (rules)."""
