"""What goes wrong with device files and devices: typed problems the Home Assistant side shows as repairs.

A problem has a stable `problem_id` (one problem per file, one per device, at a time) and a `key` that
names its translation; `placeholders()` fills the translation. The runtime raises a problem when it
appears or changes and clears it when it is gone (`RuntimeObserver`).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ProblemKey(StrEnum):
    """Kinds of problem: translation keys of the repair issues."""

    SYNTAX_ERROR = "syntax_error"
    MISSING_MODULE = "missing_module"
    IMPORT_FAILED = "import_failed"
    IMPORT_TIMEOUT = "import_timeout"
    MISSING_METHODS = "missing_methods"
    NO_DEVICE = "no_device"
    FILE_UNREADABLE = "file_unreadable"
    FILE_TOO_LARGE = "file_too_large"
    LOOP_FAILED = "loop_failed"
    LOOP_HUNG = "loop_hung"


FILE_PROBLEMS = frozenset(
    {
        ProblemKey.SYNTAX_ERROR,
        ProblemKey.MISSING_MODULE,
        ProblemKey.IMPORT_FAILED,
        ProblemKey.IMPORT_TIMEOUT,
        ProblemKey.MISSING_METHODS,
        ProblemKey.NO_DEVICE,
        ProblemKey.FILE_UNREADABLE,
        ProblemKey.FILE_TOO_LARGE,
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One problem of a file (`node_id` None) or of a device."""

    key: ProblemKey
    file: str
    """The device file's name within the folder, e.g. `thermometer.py`."""
    node_id: str | None = None
    device: str | None = None
    """The device's name, for device problems."""
    line: int | None = None
    exception: str | None = None
    """The exception's type, e.g. `ZeroDivisionError`."""
    message: str = ""
    """The exception's text, or what else went wrong."""
    seconds: float | None = None
    """For `loop_hung`: how long `loop()` has run; for `loop_failed`: the delay before the restart."""

    @property
    def problem_id(self) -> str:
        """Stable while the problem lasts: the file's or the device's."""
        return f"device:{self.node_id}" if self.node_id is not None else f"file:{self.file}"

    def placeholders(self) -> dict[str, str]:
        """Values for the translation of `key`."""
        return {
            "file": self.file,
            "device": self.device or "",
            "line": str(self.line) if self.line is not None else "?",
            "exception": self.exception or "",
            "message": self.message,
            "seconds": f"{self.seconds:g}" if self.seconds is not None else "",
        }

    def describe(self) -> str:
        """One line for the log."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        who = f"device {self.device!r} ({where})" if self.device is not None else where
        what = f"{self.exception}: {self.message}" if self.exception else self.message
        return f"{self.key.value} in {who}: {what}"


class RuntimeObserver(Protocol):
    """Told, in the event loop, when problems appear and go."""

    def problem_raised(self, problem: Problem) -> None:
        """`problem` is new, or replaces the problem of the same `problem_id`."""

    def problem_cleared(self, problem_id: str) -> None:
        """The problem with this id is gone."""
