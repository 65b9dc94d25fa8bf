"""The one error of the local broker tools."""

from pathlib import Path


class BrokerError(RuntimeError):
    """The local broker could not be built, started, probed or stopped."""

    def __init__(self, message: str, *, log_path: Path | None = None, log_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log_path = log_path
        self.log_tail = log_tail

    def __str__(self) -> str:
        """The message, followed by the log tail if there is one."""
        if not self.log_tail:
            return self.message
        return f"{self.message}\n--- last lines of {self.log_path} ---\n{self.log_tail.rstrip()}"
