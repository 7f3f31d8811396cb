"""Microsoft.Network: virtual networks, subnets with finite address space, network interfaces."""
