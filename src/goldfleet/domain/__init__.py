"""The pure model of goldfleet: no I/O, no Azure SDK, no clock reads."""
