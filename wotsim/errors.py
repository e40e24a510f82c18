"""Exceptions raised for bad user input.

Every user-facing error is a :class:`WotsimError` (a ``ValueError``); the CLI
catches exactly these and prints them as one line with exit code 2.
"""

from __future__ import annotations


class WotsimError(ValueError):
    """Base class for errors caused by user input (config files, arguments)."""


class ConfigError(WotsimError):
    """A config file breaks a rule.

    The message reads ``FILE: dotted.key: what must hold, got VALUE``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.rule = message
        parts = [p for p in (file, key) if p]
        super().__init__(": ".join(parts + [message]))


class ResultsError(WotsimError):
    """A results directory is missing, incomplete or of another format version."""


class WotsimWarning(UserWarning):
    """Something the user should know that is not an error (the CLI prints it as one line on stderr)."""
