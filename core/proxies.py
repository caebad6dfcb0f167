"""The real client address behind trusted reverse proxies (X-Forwarded-For), as a pure function.

Behind the documented reverse proxy every connection comes from 127.0.0.1; rate limits,
login lockouts and the audit log must key on the address the proxy saw instead. The header
is believed only as far as it was written by a trusted hop: walking it from the right, every
entry appended by a trusted proxy is skipped, and the first address that is not a trusted
proxy is the client. Anything to its left was written by the client itself and is ignored,
so a forged header from an untrusted peer changes nothing.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDRs ("127.0.0.1, 10.0.0.0/8, ::1"); ValueError names a bad one."""
    networks: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR: {item!r}") from None
    return tuple(networks)


def _parse_address(text: str) -> Address | None:
    """One X-Forwarded-For entry: a bare address, "[v6]:port" or "v4:port"; None if unreadable."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    candidates = (address, mapped) if mapped is not None else (address,)
    return any(candidate in network for candidate in candidates for network in networks
               if candidate.version == network.version)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str | None:
    """The client's address: the peer itself unless the peer is a trusted proxy, else the
    right-most X-Forwarded-For entry that is not a trusted proxy (every header line, in order)."""
    if peer is None or not trusted:
        return peer
    peer_address = _parse_address(peer)
    if peer_address is None or not _trusted(peer_address, trusted):
        return peer
    hops = [entry for line in forwarded_for for entry in line.split(",") if entry.strip()]
    client = str(peer_address)
    for entry in reversed(hops):
        address = _parse_address(entry)
        if address is None:
            # only a trusted hop wrote this far; an unreadable entry leaves the last good hop
            return client
        client = str(address)
        if not _trusted(address, trusted):
            return client
    return client  # every hop is a proxy of ours: the left-most one is as far as we can see
