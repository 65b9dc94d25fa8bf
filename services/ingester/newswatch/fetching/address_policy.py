"""Which network addresses the fetcher may connect to (protection against SSRF).

By default only globally routable addresses are allowed: loopback, private, link-local,
shared (100.64/10), multicast, reserved and unspecified addresses are refused. The operator
opens specific networks with ``fetch_allow_networks``. The check runs on the addresses a name
resolves to, and the connection is then made to the checked address itself, so a DNS answer
that changes between check and connect cannot slip through.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


ALLOW_SETTING = "NEWSWATCH_FETCH_ALLOW_NETWORKS"
"""The setting that opens networks beyond the public addresses (``fetch_allow_networks``)."""


class AddressRefusedError(Exception):
    """No address of the host is permitted, or the host does not resolve."""

    def __init__(self, message: str, *, resolved: bool) -> None:
        self.resolved = resolved
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses, plus the networks the operator allowed explicitly."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        """True when a connection to ``address`` is allowed."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return True
        return address.is_global and not (
            address.is_multicast or address.is_reserved or address.is_unspecified
        )

    async def resolve(self, host: str, port: int) -> str:
        """The first permitted address of ``host``; raises ``AddressRefusedError``."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            candidates = await _lookup(host, port)
        else:
            candidates = [literal]
        for address in candidates:
            if self.permits(address):
                return str(address)
        shown = ", ".join(str(address) for address in candidates)
        raise AddressRefusedError(
            f"{host} resolves only to addresses that are not allowed ({shown}: not public); "
            f"to fetch from them, allow their network with {ALLOW_SETTING} or "
            "--fetch-allow-networks, "
            f"e.g. {_example_network(candidates[0]) if candidates else '10.0.0.0/8'}",
            resolved=True,
        )


def _example_network(address: IPAddress) -> str:
    """The single-address network of ``address``: the narrowest thing to allow."""
    return str(ipaddress.ip_network(address))


async def _lookup(host: str, port: int) -> Sequence[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AddressRefusedError(f"cannot resolve {host}: {error}", resolved=False) from error
    unique: dict[str, IPAddress] = {}
    for *_, sockaddr in answers:
        unique.setdefault(str(sockaddr[0]), ipaddress.ip_address(sockaddr[0]))
    return list(unique.values())
