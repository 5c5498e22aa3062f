"""Errors that rnncount reports to people, always as one readable line.

Every error rnncount raises on purpose derives from :class:`RnncountError`, so
``except rnncount.RnncountError`` catches them all; each is also the built-in
error that fits (``ValueError`` for a value that cannot work, ``TypeError`` for
an argument of the wrong type), so ordinary ``except ValueError`` code works too.
"""

from __future__ import annotations

from typing import Any

#: Echoes of what the user gave are cut to about this many characters.
ECHO_LIMIT = 60

# Python refuses to write out (or read) whole numbers longer than this many digits
# (sys.get_int_max_str_digits()); messages and parsers stay well inside it.
_MAX_DIGITS = 4300


class RnncountError(Exception):
    """The base of every error rnncount raises on purpose; the message is one line."""

    def __init__(self, message: str = "") -> None:
        super().__init__(" ".join(str(message).split()))


class SpecError(RnncountError, ValueError):
    """A layer specification, an input shape or a stack that cannot work.

    The message is one line that names the problem and where it is, written for a
    learner: it says what the layer needs, what it receives, and how to fix it.
    """


class RnncountTypeError(RnncountError, TypeError):
    """An argument of the wrong type given to rnncount's Python API.

    The message says what was expected and names the type that was given, e.g.
    ``count() takes a spec string or a list of layers, got bytes``.
    """


class BuildTooLargeError(SpecError):
    """A Keras build refused because its weights would not fit a sane memory budget."""


class KerasUnavailableError(SpecError):
    """Keras or TensorFlow cannot be imported: counting still works, building does not."""


class ModelFileError(SpecError):
    """A file that cannot be read as a Keras model: the message says what the file is and what is wrong."""


def type_name(value: Any) -> str:
    """The name of a value's type, as messages show it: ``bytes``, ``NoneType``, ``list``."""
    return type(value).__name__


def a_type(value: Any) -> str:
    """The type with its article, for messages: ``a str``, ``an int``, ``a NoneType``."""
    name = type_name(value)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def digits(n: int) -> int:
    """How many decimal digits ``abs(n)`` has, without writing it out (safe for any size)."""
    n = abs(n)
    if n < 10:
        return 1
    guess = int(n.bit_length() * 0.30102999566398120)  # log10(2)
    # The guess is exact or one short; one comparison settles it.
    return guess + 1 if n >= 10**guess else guess


def too_large(n: int) -> bool:
    """True when ``n`` has more digits than Python will convert to or from text."""
    return n.bit_length() > 3 * _MAX_DIGITS and digits(n) > _MAX_DIGITS


def shown(value: Any, limit: int = ECHO_LIMIT) -> str:
    """A short, safe echo of something the user gave, for a one-line message.

    Long text is cut in the middle (``'LSTM(3) > … > Dense(1)'``), whole numbers too long to
    show are described by their number of digits, and a value whose ``repr`` fails is named
    by its type; whitespace (newlines included) is shown escaped, so the echo stays on one line.
    """
    if isinstance(value, int) and not isinstance(value, bool) and digits(value) > limit:
        sign = "-" if value < 0 else ""
        return f"{sign}a number with {digits(value):,} digits"
    if isinstance(value, (tuple, list)) and len(value) <= 8:
        # Item by item, so that one huge number in a shape does not hide the rest.
        items = ", ".join(shown(item, limit) for item in value)
        text = f"({items}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{items}]"
    else:
        try:
            text = repr(value)
        except Exception:  # a user object's broken __repr__ must not hide the real message
            return a_type(value)
    if len(text) > limit:
        keep = max(limit - 5, 10) // 2
        text = f"{text[:keep]} ... {text[-keep:]}"
    return text


__all__ = [
    "BuildTooLargeError",
    "KerasUnavailableError",
    "ModelFileError",
    "RnncountError",
    "RnncountTypeError",
    "SpecError",
    "a_type",
    "digits",
    "shown",
    "too_large",
    "type_name",
]
