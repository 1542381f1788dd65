"""The `/variables` parser and fingerprint (iotpy.md §4.2), on upstream's bodies, bad input and fuzz."""

import json
import math
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.pyiot.core.iotpy.values import Unusable
from custom_components.pyiot.core.protocols.iotpy import (
    ServerFormat,
    VariablesError,
    decode,
    fingerprint,
    parse_variables,
)
from custom_components.pyiot.core.protocols.iotpy.variables import MAX_VARIABLES

OBSERVED = (
    b'[{"name": "test0", "value": 0.9152518491277982, "description": "test variable", "lastUpdate_ms": '
    b'1795260009175, "status": 1, "error": ""}, {"name": "test1", "value": 0.05708579582652751, '
    b'"description": "", "lastUpdate_ms": 1795260009175, "status": 1, "error": ""}, {"name": "alwais_fail", '
    b'"value": null, "description": "", "lastUpdate_ms": 1795260005174, "status": 2, '
    b'"error": "UKNOWN FAILURE"}]'
)


def test_upstreams_observed_body() -> None:
    document = parse_variables(OBSERVED)
    assert document.format is ServerFormat.SUMMARIES
    assert list(document.variables) == ["test0", "test1", "alwais_fail"]
    test0 = document.variables["test0"]
    assert (test0.value, test0.description, test0.last_update_ms, test0.status, test0.error, test0.good) == (
        0.9152518491277982,
        "test variable",
        1795260009175,
        1,
        "",
        True,
    )
    failing = document.variables["alwais_fail"]
    assert (failing.value, failing.status, failing.error, failing.good) == (None, 2, "UKNOWN FAILURE", False)
    assert fingerprint(decode(OBSERVED)) is ServerFormat.SUMMARIES


def test_non_strict_json_strings_and_booleans() -> None:
    body = b"""[
        {"name": "a", "value": NaN, "description": "", "lastUpdate_ms": 1, "status": 1, "error": ""},
        {"name": "b", "value": -Infinity, "description": "", "lastUpdate_ms": 1.0, "status": 1,
         "error": ""},
        {"name": "c", "value": "3.5", "description": null, "lastUpdate_ms": null, "status": 1,
         "error": null},
        {"name": "d", "value": true, "description": 5, "lastUpdate_ms": "x", "status": true,
         "error": ["e"]},
        {"name": "e", "value": [1, 2], "description": {}, "lastUpdate_ms": 1.5, "status": 1.0, "error": ""}
    ]"""
    variables = parse_variables(body).variables
    assert math.isnan(variables["a"].value)  # type: ignore[arg-type]
    assert variables["b"].value == -math.inf
    assert variables["b"].last_update_ms == 1
    assert (variables["c"].value, variables["c"].description, variables["c"].error) == ("3.5", "", "")
    assert variables["c"].last_update_ms is None
    assert (variables["d"].value, variables["d"].description, variables["d"].status) == (True, "5", None)
    assert variables["d"].last_update_ms is None
    assert variables["d"].error == ""
    assert isinstance(variables["e"].value, Unusable)
    assert (variables["e"].last_update_ms, variables["e"].status) == (None, 1)


def test_legacy_map_of_iotpy_02() -> None:
    document = parse_variables(b'{"test0": 0.53, "test1": 0.12, "text": "x", "none": null}')
    assert document.format is ServerFormat.LEGACY_MAP
    assert {name: variable.value for name, variable in document.variables.items()} == {
        "test0": 0.53,
        "test1": 0.12,
        "text": "x",
        "none": None,
    }
    assert document.variables["test0"].good is True
    assert document.variables["none"].good is False
    assert fingerprint({"a": 1}) is ServerFormat.LEGACY_MAP


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], ServerFormat.SUMMARIES),
        ({}, ServerFormat.LEGACY_MAP),
        ([{"name": "a"}], None),
        ([1, 2], None),
        ({"a": [1]}, None),
        ({"a": {"b": 1}}, None),
        ("text", None),
        (5, None),
        (None, None),
    ],
)
def test_fingerprint(document: Any, expected: ServerFormat | None) -> None:
    assert fingerprint(document) is expected


def test_entries_that_are_not_variables_are_skipped_not_the_document() -> None:
    body = json.dumps(
        [
            {"name": "good", "value": 1, "description": "", "lastUpdate_ms": 1, "status": 1, "error": ""},
            5,
            {"value": 1},
            {"name": ""},
            {"name": "x" * 500},
            {"name": "bad\nname"},
            {"name": "good", "value": 2},
        ]
    ).encode()
    document = parse_variables(body)
    assert list(document.variables) == ["good"]
    assert document.variables["good"].value == 1
    assert len(document.skipped) == 6
    assert "'good' appears twice" in document.skipped


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b"", "not_json"),
        (b"[{", "not_json"),
        (b'[{"name": "a", "value": 1, "desc', "not_json"),
        (b"<html><body>Not IOTpy</body></html>", "not_json"),
        (b"\xff\xfe\x00", "not_utf8"),
        (b"[" * 100_000 + b"]" * 100_000, "not_json"),
        (b'"text"', "not_iotpy"),
        (b"42", "not_iotpy"),
        (b"null", "not_iotpy"),
        (b'{"a": [1]}', "not_iotpy"),
        (b"[1, 2, 3]", "not_iotpy"),
        (b'[{"value": 1}]', "not_iotpy"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "not_json"),
    ],
)
def test_bad_bodies(body: bytes, key: str) -> None:
    with pytest.raises(VariablesError) as caught:
        parse_variables(body)
    assert caught.value.key == key


def test_a_utf8_bom_is_accepted() -> None:
    assert list(parse_variables(b"\xef\xbb\xbf" + OBSERVED).variables) == ["test0", "test1", "alwais_fail"]


def test_the_number_of_variables_is_bounded() -> None:
    many = [
        {"name": f"v{index}", "value": index, "description": "", "lastUpdate_ms": 1, "status": 1, "error": ""}
        for index in range(MAX_VARIABLES + 10)
    ]
    document = parse_variables(json.dumps(many).encode())
    assert len(document.variables) == MAX_VARIABLES
    assert document.skipped == (f"10 entries beyond {MAX_VARIABLES}",)
    legacy = parse_variables(json.dumps({f"v{i}": i for i in range(MAX_VARIABLES + 1)}).encode())
    assert len(legacy.variables) == MAX_VARIABLES


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
SUMMARY = st.fixed_dictionaries(
    {
        "name": st.one_of(st.text(max_size=20), JSON_VALUES),
        "value": JSON_VALUES,
        "description": JSON_VALUES,
        "lastUpdate_ms": JSON_VALUES,
        "status": JSON_VALUES,
        "error": JSON_VALUES,
    }
)


def check_document(body: bytes) -> None:
    try:
        document = parse_variables(body)
    except VariablesError as err:
        assert err.key in {"not_utf8", "not_json", "not_iotpy"}  # noqa: PT017 - fuzzing: either outcome
        return
    for name, variable in document.variables.items():
        assert name == variable.name
        assert isinstance(name, str)
        assert name.isprintable()
        assert variable.status is None or type(variable.status) is int
        assert variable.last_update_ms is None or type(variable.last_update_ms) is int
        assert isinstance(variable.description, str)
        assert isinstance(variable.error, str)
        assert variable.value is None or isinstance(variable.value, bool | int | float | str | Unusable)


@settings(max_examples=300, deadline=None)
@given(st.lists(SUMMARY | JSON_VALUES, max_size=8))
def test_fuzzed_arrays(document: list[Any]) -> None:
    check_document(json.dumps(document).encode())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=20), JSON_VALUES, max_size=8))
def test_fuzzed_maps(document: dict[str, Any]) -> None:
    check_document(json.dumps(document).encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzzed_bytes(body: bytes) -> None:
    check_document(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(SUMMARY, min_size=1, max_size=4), st.integers(min_value=0, max_value=400))
def test_fuzzed_truncation(document: list[Any], cut: int) -> None:
    body = json.dumps(document).encode()
    check_document(body[: min(cut, len(body))])
