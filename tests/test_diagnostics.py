"""The generic part of every entry's diagnostics: MAC and Bluetooth addresses never leave HA."""

import json

from hypothesis import given, strategies as st

from custom_components.pyiot.diagnostics import pseudonymise_addresses


def test_addresses_in_keys_and_strings_get_one_name_each() -> None:
    data = {
        "nodes": {"28:cd:c1:00:00:02": {"info": {"node_id": "28:CD:C1:00:00:02"}}, "plain": 1},
        "ids": ["01ENTRY:28-cd-c1-00-00-02:temperature", "C0:FF:EE:00:00:01", "x:28:cd:c1:00:00:02:battery"],
        "partial": "XX:XX:XX:XX:00:01",
        "longer": "28:cd:c1:00:00:02:ff",
        "count": 3,
    }
    assert pseudonymise_addresses(data) == {
        "nodes": {"address_1": {"info": {"node_id": "address_1"}}, "plain": 1},
        "ids": ["01ENTRY:address_1:temperature", "address_2", "x:address_1:battery"],
        "partial": "XX:XX:XX:XX:00:01",
        "longer": "28:cd:c1:00:00:02:ff",
        "count": 3,
    }


@given(st.lists(st.binary(min_size=6, max_size=6), min_size=1, max_size=5), st.text(max_size=20))
def test_no_address_survives(addresses: list[bytes], text: str) -> None:
    macs = [":".join(f"{byte:02x}" for byte in address) for address in addresses]
    data = {mac: [f"{text} {mac.upper()} {text}", {"id": mac}] for mac in macs}
    dumped = json.dumps(pseudonymise_addresses(data)).lower()
    for mac in macs:
        assert mac not in dumped
