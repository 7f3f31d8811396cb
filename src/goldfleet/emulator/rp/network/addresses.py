"""IPv4 address arithmetic for subnets, the way Azure counts it.

Azure reserves five addresses in every subnet: the network address, the first three host
addresses (default gateway and two for Azure DNS) and the broadcast address, so a /29 has three
usable addresses and a /24 has 251. Dynamic allocation hands out the lowest free usable address.
Nothing here knows about resources; ``backend.py`` applies these rules to stored subnets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

RESERVED_AT_START = 4  # network address, gateway, two for Azure DNS
RESERVED_AT_END = 1  # broadcast
RESERVED_PER_SUBNET = RESERVED_AT_START + RESERVED_AT_END
SMALLEST_PREFIX = 29  # Azure's smallest IPv4 subnet


def network_of(prefix: str) -> ipaddress.IPv4Network:
    """The network of a CIDR prefix; ValueError when it is not a valid IPv4 network
    (host bits set included, as Azure refuses ``10.0.0.1/24``)."""
    return ipaddress.IPv4Network(prefix, strict=True)


def usable_count(prefix: str) -> int:
    """How many addresses of the prefix a NIC can get (size minus Azure's five)."""
    return max(0, network_of(prefix).num_addresses - RESERVED_PER_SUBNET)


def usable_addresses(prefix: str) -> Iterable[ipaddress.IPv4Address]:
    net = network_of(prefix)
    first = int(net.network_address) + RESERVED_AT_START
    last = int(net.broadcast_address) - RESERVED_AT_END
    for value in range(first, last + 1):
        yield ipaddress.IPv4Address(value)


def first_free(prefix: str, taken: Iterable[str]) -> str | None:
    """The lowest usable address not in ``taken``, or None when the subnet is full."""
    used = set(taken)
    for address in usable_addresses(prefix):
        text = str(address)
        if text not in used:
            return text
    return None


def is_usable(prefix: str, address: str) -> bool:
    """True when ``address`` lies in the prefix and is not one of Azure's reserved five."""
    try:
        value = int(ipaddress.IPv4Address(address))
    except ValueError:
        return False
    net = network_of(prefix)
    return (
        int(net.network_address) + RESERVED_AT_START
        <= value
        <= int(net.broadcast_address) - RESERVED_AT_END
    )


def within(inner: str, outer: Iterable[str]) -> bool:
    """True when the network ``inner`` lies inside one of the ``outer`` prefixes."""
    net = network_of(inner)
    return any(net.subnet_of(network_of(o)) for o in outer)


def overlaps(a: str, b: str) -> bool:
    return network_of(a).overlaps(network_of(b))
