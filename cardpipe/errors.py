"""Exit codes and the one error tree of cardpipe.

Every error a user can cause or fix is a `CardpipeError` with an exit code and
a message that says how to fix it. The CLI maps them to exit codes in one
place (`cli.main`). Errors must pickle: they cross process boundaries.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    ok = 0
    files_failed = 1  # the run went on; some files were set aside in failed/
    usage = 64  # EX_USAGE: bad command line
    data = 65  # EX_DATAERR: bad input data (e.g. an import file)
    no_input = 66  # EX_NOINPUT: a path given does not exist
    unavailable = 69  # EX_UNAVAILABLE: Tesseract (or another program) missing
    software = 70  # EX_SOFTWARE: a bug in cardpipe
    cant_create = 73  # EX_CANTCREAT: cannot write an output
    io = 74  # EX_IOERR
    busy = 75  # EX_TEMPFAIL: another run holds the lock; try again later
    config = 78  # EX_CONFIG
    interrupted = 130


class CardpipeError(Exception):
    """Base class: a message for the user and an exit code."""

    exit_code: ExitCode = ExitCode.software

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message or self.__class__.__doc__ or self.__class__.__name__

    def __reduce__(self):  # pickle with the message, whatever the subclass signature
        return (self.__class__, (self.message,))


class ConfigError(CardpipeError):
    """The configuration is invalid."""

    exit_code = ExitCode.config


class UsageError(CardpipeError):
    """The command line is invalid."""

    exit_code = ExitCode.usage


class NotFoundError(CardpipeError):
    """A contact, card or file named on the command line does not exist."""

    exit_code = ExitCode.no_input


class AmbiguousError(UsageError):
    """A search matched more than one contact."""


class MissingDependencyError(CardpipeError):
    """A program or optional library cardpipe needs is not installed."""

    exit_code = ExitCode.unavailable


class TesseractNotFound(MissingDependencyError):
    """Tesseract is not installed."""


class BusyError(CardpipeError):
    """Another cardpipe run holds the lock."""

    exit_code = ExitCode.busy


class StoreError(CardpipeError):
    """The database cannot be opened or written."""

    exit_code = ExitCode.io


class DatabaseUnavailable(StoreError):
    """The database server cannot be reached, or went away: try again later."""

    exit_code = ExitCode.busy


class DataError(CardpipeError):
    """Input data (an import file) cannot be understood."""

    exit_code = ExitCode.data


class OutputError(CardpipeError):
    """An output file cannot be written."""

    exit_code = ExitCode.cant_create


# ---- Per-file failures: the file goes to failed/ and the batch goes on ----


class InputFileError(CardpipeError):
    """An input file cannot be read; it is set aside with this reason."""

    exit_code = ExitCode.files_failed


class UnsupportedFormat(InputFileError):
    """The file is not an image format cardpipe reads."""


class ImageTooLarge(InputFileError):
    """The file or its decoded image is over the configured limits."""


class CorruptImage(InputFileError):
    """The file claims to be an image but cannot be decoded."""


class NoTextFound(InputFileError):
    """OCR found no text on the card."""


class OcrError(InputFileError):
    """The OCR engine failed on this card."""


class OcrTimeout(OcrError):
    """The OCR engine took longer than the configured timeout."""
