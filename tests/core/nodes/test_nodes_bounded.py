"""TokenBucket and PendingTable: the bounded building blocks against floods."""

from hypothesis import given, settings, strategies as st

from custom_components.pyiot.core.nodes.bounded import PendingTable, TokenBucket
from tests.support.manual_clock import ManualClock


def test_token_bucket_burst_then_rate(clock: ManualClock) -> None:
    bucket = TokenBucket(60, 3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.advance(0.5)
    assert not bucket.take()
    clock.advance(0.5)
    assert bucket.take()
    clock.advance(3_600)  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert not bucket.unlimited


def test_token_bucket_default_burst_and_no_limit(clock: ManualClock) -> None:
    bucket = TokenBucket(30, clock=clock)
    assert sum(bucket.take() for _ in range(100)) == 30
    unlimited = TokenBucket(0, clock=clock)
    assert unlimited.unlimited
    assert all(unlimited.take() for _ in range(10_000))


def test_pending_table_capacity_order_and_ttl(clock: ManualClock) -> None:
    table: PendingTable[str, list[int]] = PendingTable(3, 10, clock=clock)
    for key in "abcd":
        table.setdefault(key, list).append(1)
        clock.advance(1)
    assert list(table) == ["b", "c", "d"]  # the oldest went first
    assert table.evicted == 1
    assert table.setdefault("b", list) == [1]  # existing entries are kept, not refreshed
    assert "a" not in table
    assert table.values() == [[1], [1], [1]]
    assert [key for key, _ in table.newest(2.5)] == ["d", "c"]
    assert table.newest(0) == []
    clock.advance(7)  # b was created 10 s ago
    assert "b" not in table
    assert [key for key, _ in table.items()] == ["c", "d"]
    assert table.pop("c") == [1]
    assert table.pop("c") is None
    assert len(table) == 1
    clock.advance(5)
    assert table.get("d") is None
    assert len(table) == 0
    table.setdefault("e", list)
    table.clear()
    assert len(table) == 0
    assert table.evicted == 1  # expiry is not eviction


@settings(max_examples=300, deadline=None, database=None)
@given(
    capacity=st.integers(1, 5),
    ops=st.lists(st.tuples(st.sampled_from(["add", "pop", "tick"]), st.integers(0, 7)), max_size=60),
)
def test_pending_table_never_grows_beyond_capacity_or_keeps_expired_entries(
    capacity: int, ops: list[tuple[str, int]]
) -> None:
    clock = ManualClock()
    table: PendingTable[int, float] = PendingTable(capacity, 5, clock=clock)
    model: dict[int, float] = {}  # key -> created
    for op, key in ops:
        if op == "add":
            created = table.setdefault(key, clock)
            model = {k: t for k, t in model.items() if clock.now - t < 5}
            if key not in model:
                if len(model) >= capacity:
                    del model[min(model, key=model.__getitem__)]
                model[key] = clock.now
            assert created == model[key]
        elif op == "pop":
            table.pop(key)
            model.pop(key, None)
        else:
            clock.advance(key)
        live = {k for k, t in model.items() if clock.now - t < 5}
        assert set(table) == live
        assert len(table) <= capacity
