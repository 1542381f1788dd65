"""Named gates that test device files wait on (a `loop()` or an import that hangs until released).

Device files import this module by its real name (`from tests.support.iotpy_gates import gate`): only
`iotpy` is redirected for them. The fixture `gates` of tests/core/iotpy releases every gate after a
test, so no thread is left behind.
"""

import threading

_GATES: dict[str, threading.Event] = {}
_LOCK = threading.Lock()


def gate(name: str) -> threading.Event:
    """The gate `name` (created closed on first use)."""
    with _LOCK:
        return _GATES.setdefault(name, threading.Event())


def release_all() -> None:
    """Open every gate and forget them."""
    with _LOCK:
        gates = list(_GATES.values())
        _GATES.clear()
    for event in gates:
        event.set()
