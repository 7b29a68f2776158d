"""Exceptions and warnings raised by runecon.

Every message names what is wrong (file, row and column for data; the argument for
function calls) and says what to do about it.
"""
from __future__ import annotations


class RuneconError(Exception):
    """Base class of every runecon error."""


class InputError(RuneconError, ValueError):
    """A function argument is invalid (wrong length, non-finite, unknown code...).

    Parameters
    ----------
    argument : str
        Name of the offending argument.
    message : str
        What is wrong and what to do.
    """

    def __init__(self, argument: str, message: str):
        self.argument = argument
        super().__init__(f"argument '{argument}': {message}")


class DataError(RuneconError, ValueError):
    """A data file does not meet its schema.

    ``problems`` holds every problem found (not just the first), each a
    :class:`DataProblem`.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) found in data:\n  " if len(lines) > 1 else ""
        super().__init__(head + "\n  ".join(lines))


class DataProblem:
    """One problem in one cell (or row, or file) of a data file."""

    __slots__ = ("file", "line", "column", "value", "message")

    def __init__(self, file, line, column, value, message):
        self.file, self.line, self.column, self.value, self.message = (
            str(file), line, column, value, message)

    def __str__(self):
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.value is not None:
            where += f", value {self.value!r}"
        return f"{where}: {self.message}"

    def __repr__(self):
        return f"DataProblem({self})"


class ConvergenceError(RuneconError, RuntimeError):
    """An iterative algorithm did not converge; never replaced by a plausible number."""

    def __init__(self, what: str, iterations: int, last_change: float, hint: str = ""):
        self.iterations, self.last_change = iterations, last_change
        msg = (f"{what} did not converge after {iterations} iterations "
               f"(last change {last_change:.3g}).")
        super().__init__(msg + (" " + hint if hint else ""))


class TooFewStudiesError(InputError):
    """k is too small for the requested estimator or analysis."""


class RuneconWarning(UserWarning):
    """Warnings about a model used outside its valid range, and the like."""
