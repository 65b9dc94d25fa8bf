"""The SSRF guard: which addresses the fetcher may reach."""

import asyncio
import ipaddress

import pytest

from newswatch.fetching.address_policy import AddressPolicy, AddressRefusedError


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.1.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::",
    ],
)
def test_refused_by_default(address: str) -> None:
    assert not AddressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address: str) -> None:
    assert AddressPolicy().permits(ipaddress.ip_address(address))


def test_operator_allowed_networks() -> None:
    policy = AddressPolicy((ipaddress.ip_network("127.0.0.1/32"),))
    assert policy.permits(ipaddress.ip_address("127.0.0.1"))
    assert policy.permits(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not policy.permits(ipaddress.ip_address("127.0.0.2"))


def test_resolution_is_checked() -> None:
    with pytest.raises(AddressRefusedError, match="not allowed") as caught:
        asyncio.run(AddressPolicy().resolve("localhost", 80))
    assert caught.value.resolved
    allowed = AddressPolicy((ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")))
    assert asyncio.run(allowed.resolve("localhost", 80)) in {"127.0.0.1", "::1"}


def test_unresolvable_host() -> None:
    with pytest.raises(AddressRefusedError) as caught:
        asyncio.run(AddressPolicy().resolve("no-such-host.invalid", 80))
    assert not caught.value.resolved


def test_a_refusal_names_the_setting_and_flag_that_allow_the_address() -> None:
    with pytest.raises(AddressRefusedError) as caught:
        asyncio.run(AddressPolicy().resolve("127.0.0.1", 80))
    message = str(caught.value)
    assert "NEWSWATCH_FETCH_ALLOW_NETWORKS" in message
    assert "--fetch-allow-networks" in message
    assert "e.g. 127.0.0.1/32" in message
