"""A monotonic clock that a test moves by hand, for code that takes an injectable `clock`."""


class ManualClock:
    """Returns `now`; `advance` moves it."""

    def __init__(self, now: float = 1_000.0) -> None:
        """Start at `now` seconds."""
        self.now = now

    def __call__(self) -> float:
        """The current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds
