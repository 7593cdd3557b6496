"""The errors a user can cause, each reported by `cadres` on one line with exit code 2 (bad input) or 1.

They live here, apart from the machinery that raises them, so that the
command line can catch them without importing that machinery.
"""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A scenario or option that cannot be used, with the file and key that are wrong."""

    def __init__(self, path: Path | str, key: str, expected: str) -> None:
        self.path = str(path)
        self.key = key
        self.expected = expected
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {expected}")


class ResultExistsError(Exception):
    """An output directory holds something the caller may not, or did not ask to, replace."""


class OutputError(Exception):
    """An output directory that cannot be written (read-only, unwritable, full); nothing was left half-written."""


class OutputBusyError(Exception):
    """Another process is writing the same output directory."""


class ReplicateError(RuntimeError):
    """Some replicates failed; their directories were not written, so a rerun retries them."""

    def brief(self) -> str:
        """The message without the worker's traceback: its first line and the exception it ended in."""
        lines = [line for line in str(self).splitlines() if line.strip()]
        return lines[0] if len(lines) < 2 else f"{lines[0]} {lines[-1].strip()}"


class UnguardedMainError(RuntimeError):
    """Worker processes started from a script's top level, outside `if __name__ == "__main__":` (sim.experiments.workers)."""


BAD_INPUT = (ConfigError, ResultExistsError, OutputError, OutputBusyError)
