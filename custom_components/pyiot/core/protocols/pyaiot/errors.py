"""Typed write errors of the Pyaiot transports: a stable key and placeholders the HA side translates."""

from enum import StrEnum

from ...nodes.model import WriteError


class WriteProblem(StrEnum):
    """Why a write failed; translation keys on the HA side."""

    NOT_RUNNING = "not_running"
    UNAVAILABLE = "unavailable"
    NO_RESOURCE = "no_resource"
    READ_ONLY = "read_only"
    BAD_VALUE = "bad_value"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    FAILED = "failed"


_MESSAGES = {
    WriteProblem.NOT_RUNNING: "The Pyaiot gateway is not running",
    WriteProblem.UNAVAILABLE: "Pyaiot node {node} is not available",
    WriteProblem.NO_RESOURCE: "Pyaiot node {node} has no resource {key}",
    WriteProblem.READ_ONLY: "Resource {key} of Pyaiot node {node} is read-only",
    WriteProblem.BAD_VALUE: "Cannot write this value to {key}: {detail}",
    WriteProblem.TIMEOUT: "Pyaiot node {node} did not answer the write of {key} in time",
    WriteProblem.REJECTED: "Pyaiot node {node} refused the write of {key} ({detail})",
    WriteProblem.FAILED: "Could not send {key} to Pyaiot node {node}: {detail}",
}


class PyaiotWriteError(WriteError):
    """A failed write; `problem` is the stable key, `placeholders` fill its translation."""

    def __init__(self, problem: WriteProblem, node: str, key: str, detail: str = "") -> None:
        """Keep the key and placeholders (`node`, `key`, `detail`); the message is English."""
        self.problem = problem
        self.placeholders = {"node": node, "key": key, "detail": detail}
        super().__init__(_MESSAGES[problem].format(**self.placeholders))
