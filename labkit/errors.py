"""Errors the CLI turns into one clear line and a non-zero exit (never a traceback)."""


class LabError(Exception):
    """A problem the user can fix; the message says what and, where it can, how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
