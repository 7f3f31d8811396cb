"""goldfleet: the whole life of Azure Virtual Desktop golden images across many Azure tenants."""

__version__ = "0.1.0"
