"""Log bad input from the network once per source and problem, not once per message."""

import logging


class OncePerSourceLogger:
    """Logs a warning the first time a (source, problem) pair is seen, then only at debug level."""

    def __init__(self, logger: logging.Logger, limit: int = 10_000) -> None:
        """Remember at most `limit` pairs so a flood of distinct sources cannot exhaust memory."""
        self._logger = logger
        self._seen: set[tuple[str, str]] = set()
        self._limit = limit

    def warn(self, source: str, problem: str, detail: str) -> None:
        """Report `problem` (a short stable key) seen from `source`, with a human-readable detail."""
        key = (source, problem)
        if key in self._seen:
            self._logger.debug("Dropped input from %s (%s): %s", source, problem, detail)
            return
        if len(self._seen) < self._limit:
            self._seen.add(key)
        self._logger.warning("Dropped input from %s (%s): %s", source, problem, detail)

    def forget(self, source: str) -> None:
        """Log problems of `source` again, e.g. after it recovered."""
        self._seen = {key for key in self._seen if key[0] != source}
