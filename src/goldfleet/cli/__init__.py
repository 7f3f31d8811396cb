"""The command line: ``az``-style grammar over :mod:`goldfleet.api`, one module per noun."""
