"""Errors that rnncount reports to people, always as one readable line."""

from __future__ import annotations


class SpecError(ValueError):
    """A layer specification, an input shape or a stack that cannot work.

    The message is one line that names the problem and where it is, written for a
    learner: it says what the layer needs, what it receives, and how to fix it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class BuildTooLargeError(SpecError):
    """A Keras build refused because its weights would not fit a sane memory budget."""


class KerasUnavailableError(SpecError):
    """Keras or TensorFlow cannot be imported: counting still works, building does not."""


class RnncountTypeError(TypeError):
    """An argument of the wrong type; the message names what was expected and the type given."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
