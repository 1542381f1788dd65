"""Load one entity platform of an entry kind, for `snapshot_platform` (one platform per snapshot)."""

from collections.abc import Iterator
from contextlib import contextmanager
import dataclasses

from homeassistant.const import Platform
import pytest

from custom_components.pyiot.systems import ENTRY_KINDS


@contextmanager
def only_platform(kind: str, platform: Platform) -> Iterator[None]:
    """While the context lasts, entries of `kind` set up `platform` only."""
    original = ENTRY_KINDS[kind]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            ENTRY_KINDS,
            kind,
            dataclasses.replace(original, platforms={platform: original.platforms[platform]}),
        )
        yield
