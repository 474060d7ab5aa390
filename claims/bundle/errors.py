"""What goes wrong with a bundle or a record, named by the place it went wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BundleError:
    """One bad place: `path` uses the bundle's own indexes (`claims[3].figures[0].value`), so an
    editor can find it in the file they sent."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class BundleInvalid(Exception):
    """Raised with every error found, never only the first: a fixer wants the full list."""

    def __init__(self, errors: list[BundleError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class VersionConflict(Exception):
    """The caller edited a copy older than the stored record (the API answers 412)."""

    def __init__(self, *, key: str, expected: int, actual: int) -> None:
        self.key, self.expected, self.actual = key, expected, actual
        super().__init__(f"{key!r} is at version {actual}, not {expected}: reload it and apply the change again")
