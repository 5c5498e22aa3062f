"""Spec strings, parsed (never evaluated) into layer objects.

A spec is written the way a teacher writes a model on a slide::

    SimpleRNN(30, return_sequences=True) > GRU(20) > Dense(1)

Each layer is a call with literal arguments; ``Bidirectional`` and
``TimeDistributed`` take a nested call. Python's ``ast`` reads the text and only
literals are accepted, so nothing a user types is ever executed.
"""

from __future__ import annotations

import ast
import difflib
import io
import keyword
import operator
import re
import tokenize
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import RnncountError, RnncountTypeError, SpecError, a_type, shown, type_name
from .layers import (
    LAYER_TYPES,
    MAX_SIZE,
    Layer,
    cosmetic_options,
)

# Python reads and writes whole numbers of at most this many digits (sys.get_int_max_str_digits()).
_MAX_INT_DIGITS = 4300

# Keras 2 habits that no longer work, with what to do instead.
_KERAS2 = {
    "input_shape": "input_shape= on a layer is a Keras 2 idiom; give the input shape separately "
    "(count(spec, input_shape) or --input), which becomes keras.Input(shape=...)",
    "input_dim": "input_dim= on a layer is a Keras 2 idiom; give the input shape separately",
    "input_length": "input_length= was removed from Embedding in Keras 3; the sequence length comes "
    "from the input shape (e.g. --input 100)",
    "batch_input_shape": "batch_input_shape= is a Keras 2 idiom; give the input shape separately",
}

_PREFIXES = ("keras.layers", "layers", "tf.keras.layers")


#: Longest spec read, in characters; longer text is refused before parsing.
MAX_SPEC_LENGTH = 20_000

#: Deepest nesting of a spec's syntax tree that is read (a real spec needs about 6 levels).
MAX_DEPTH = 20

# A whole number as people type it on a command line: one optional sign, ASCII digits.
_WHOLE = re.compile(r"[+-]?[0-9]+")


def parse_int(text: str, what: str, *, echo: str | None = None) -> int:
    """A whole number typed by a person: one optional sign and the digits 0-9, nothing else.

    ``str.isdigit()`` and ``int()`` accept far more (``'²'``, ``'①'``, ``'٣'``) or fail with Python's
    own messages (``'++3'``, 4,301 digits); this refuses all of those with a :class:`SpecError`
    that says what ``what`` must look like. ``echo`` is how the value is quoted (default: ``text``).
    """
    if not isinstance(text, str):
        raise RnncountTypeError(f"{what} must be given as text, got {type_name(text)}")
    quoted = shown(text) if echo is None else echo
    cleaned = text.strip()
    if not _WHOLE.fullmatch(cleaned):
        if any(c.isdigit() or c.isnumeric() for c in cleaned) and not cleaned.isascii():
            raise SpecError(f"{what} {quoted} is not a whole number: write it with the digits 0-9")
        if re.fullmatch(r"[+-]{2,}[0-9]+", cleaned):
            raise SpecError(f"{what} {quoted} is not a whole number: give at most one sign, e.g. -5 or 5")
        raise SpecError(f"{what} {quoted} is not a whole number")
    if len(cleaned.lstrip("+-").lstrip("0")) > _MAX_INT_DIGITS:
        raise SpecError(f"{what} is too large: it has {len(cleaned.lstrip('+-')):,} digits")
    return int(cleaned)


def looks_numeric(text: str) -> bool:
    """True for text a person most likely meant as a number (``'42'``, ``'²'``, ``'++3'``, ``'٣'``)."""
    cleaned = text.strip()
    return (
        bool(cleaned)
        and all(c.isdigit() or c.isnumeric() or c in "+-" for c in cleaned)
        and any(c.isdigit() or c.isnumeric() for c in cleaned)
    )


# --------------------------------------------------------------------------- reading a spec


class _Reader:
    """Parses one spec text; every message quotes the user's own text, cut to a readable length."""

    def __init__(self, text: str) -> None:
        self.text = text
        # One line, same length: columns in messages are columns of what the user typed, and
        # newlines (a spec pasted over several lines) become plain spaces.
        self.flat = "".join(" " if c.isspace() else (">" if c == "→" else c) for c in text)
        self.lead = len(self.flat) - len(self.flat.lstrip())
        self.source = self.flat.strip()

    # -- where things are, and what they are

    def col(self, node: ast.AST) -> int | None:
        offset = getattr(node, "col_offset", None)
        return None if offset is None else offset + self.lead + 1

    def where(self, node: ast.AST, index: int | None = None) -> str:
        parts = []
        if index is not None:
            parts.append(f"layer {index}")
        col = self.col(node)
        if col is not None:
            parts.append(f"column {col}")
        return ", ".join(parts)

    def segment(self, node: ast.AST) -> str:
        """The text of a node as the user typed it (never ``ast.unparse``, which recurses and reformats)."""
        text = ast.get_source_segment(self.source, node)
        return shown(text if text is not None else type(node).__name__)

    # -- the whole spec

    def read(self) -> list[Layer]:
        try:
            return self._read()
        except SpecError:
            # A wrong separator explains most unreadable specs better than the parser can.
            problem = _separator_problem(self.text)
            if problem:
                raise SpecError(problem) from None
            raise

    def _read(self) -> list[Layer]:
        if not self.source:
            return []
        if too_deep_to_parse(self.source):
            raise SpecError(
                f"the spec is too deeply nested to read (more than {MAX_DEPTH} levels); a layer wraps at most "
                "one other layer, e.g. Bidirectional(LSTM(32))"
            )
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError as err:
            raise SpecError(self._syntax_message(err)) from None
        except (MemoryError, RecursionError, ValueError):
            raise SpecError(f"the spec is too deeply nested to read (more than {MAX_DEPTH} levels)") from None
        if _depth(tree) > MAX_DEPTH:
            raise SpecError(
                f"the spec is too deeply nested to read (more than {MAX_DEPTH} levels); a layer wraps at most "
                "one other layer, e.g. Bidirectional(LSTM(32))"
            )
        body = tree.body
        if isinstance(body, ast.Compare):
            if any(not isinstance(op, ast.Gt) for op in body.ops):
                raise SpecError(f"{self.where(body)}: separate layers with '>' (e.g. LSTM(32) > Dense(1))")
            nodes = [body.left, *body.comparators]
        else:
            nodes = [body]
        return [self.call(node, i + 1) for i, node in enumerate(nodes)]

    def _syntax_message(self, err: SyntaxError) -> str:
        msg = err.msg or "invalid syntax"
        if "Exceeds the limit" in msg or "integer string conversion" in msg:
            digits_run = re.search(f"[0-9_]{{{_MAX_INT_DIGITS},}}", self.flat)
            col = digits_run.start() + 1 if digits_run else 1
            return f"column {col}: a number in the spec is too large (it has more than {_MAX_INT_DIGITS:,} digits)"
        if "too many nested" in msg:
            return f"the spec is too deeply nested to read (more than {MAX_DEPTH} levels)"
        msg = msg.replace("'(' was never closed", "a '(' is never closed")
        line_offset = err.offset if err.lineno in (None, 1) else None
        col = (line_offset or 0) + self.lead if line_offset else len(self.flat.rstrip())
        return f"column {max(col, 1)}: cannot read the spec ({msg}): {_excerpt(self.text, col)}"

    # -- one layer

    def layer_name(self, func: ast.AST, where: str) -> str:
        dotted = _dotted(func)
        if dotted is None:
            raise SpecError(f"{where}: expected a layer name such as LSTM(32), got {self.segment(func)}")
        prefix, _, name = dotted.rpartition(".")
        if prefix and prefix not in _PREFIXES:
            raise SpecError(f"{where}: {shown(dotted)} is not a layer; write the layer's name, e.g. LSTM(32)")
        if name not in LAYER_TYPES:
            close = difflib.get_close_matches(name, list(LAYER_TYPES), n=1, cutoff=0.6)
            lowered = {k.lower(): k for k in LAYER_TYPES}
            hint = close[0] if close else lowered.get(name.lower())
            known = ", ".join(LAYER_TYPES)
            extra = f"; did you mean {hint}?" if hint else f" (known layers: {known})"
            raise SpecError(f"{where}: unknown layer {shown(name)}{extra}")
        return name

    def literal(self, node: ast.AST, what: str, where: str) -> Any:
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise SpecError(
                f"{where}: {what} must be a literal value (a number, True/False, a string or None), "
                f"got {self.segment(node)}"
            ) from None

    def call(self, node: ast.AST, index: int, nested: bool = False) -> Layer:
        where = self.where(node, index)
        if isinstance(node, (ast.Name, ast.Attribute)) and _dotted(node):
            name = self.layer_name(node, where)
            needs = LAYER_TYPES[name].spec_positional()
            raise SpecError(f"{where}: {name} needs parentheses, e.g. {name}({'32' if needs else ''})")
        if not isinstance(node, ast.Call):
            raise SpecError(f"{where}: expected a layer such as LSTM(32), got {self.segment(node)}")
        kind = self.layer_name(node.func, where)
        where = f"{kind} ({where})"
        cls = LAYER_TYPES[kind]
        if cls.spec_refusal:
            raise SpecError(f"{where}: {cls.spec_refusal}")
        positional = cls.spec_positional()
        allowed = set(cls.spec_keywords())
        cosmetic = cosmetic_options(kind)
        args: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise SpecError(f"{where}: * arguments are not allowed in a spec")
        if len(node.args) > len(positional):
            raise SpecError(
                f"{where}: takes {len(positional)} positional argument(s) "
                f"({', '.join(positional) or 'none'}), got {len(node.args)}"
            )
        for pname, arg in zip(positional, node.args, strict=False):
            args[pname] = arg
        for kw in node.keywords:
            if kw.arg is None:
                raise SpecError(f"{where}: ** arguments are not allowed in a spec")
            if kw.arg in args:
                raise SpecError(f"{where}: {kw.arg} is given twice")
            args[kw.arg] = kw.value
        values: dict[str, Any] = {}
        name: str | None = None
        for key, arg in args.items():
            # Bidirectional(LSTM(8), backward_layer=GRU(8)), RNN(LSTMCell(4)), StackedRNNCells([LSTMCell(4)])
            if key in cls.layer_fields and isinstance(arg, (ast.List, ast.Tuple)):
                values[key] = [self.call(elt, index, nested=True) for elt in arg.elts]
            elif key in cls.layer_fields:
                values[key] = self.call(arg, index, nested=True)
            elif key == "name":
                name = self.literal(arg, "name", where)
                if not isinstance(name, str) or not name.isidentifier():
                    raise SpecError(f"{where}: name must be a simple identifier string, got {shown(name)}")
            elif key in allowed:
                values[key] = self.literal(arg, key, where)
            elif key in cosmetic:
                extra[key] = self.literal(arg, key, where)
            elif key in _KERAS2:
                raise SpecError(f"{where}: {_KERAS2[key]}")
            elif key == "return_state" or key == "reset_after":
                raise SpecError(f"{where}: {key} is not an option of {kind}")
            else:
                known = sorted(allowed | cosmetic | {"name"})
                raise SpecError(f"{where}: unknown argument {shown(key)} (known: {', '.join(known)})")
        missing = [p for p in cls.spec_required() if p not in values]
        if missing:
            raise SpecError(f"{where}: missing {', '.join(missing)}, e.g. {cls.spec_example()}")
        try:
            layer = cls(**values, name=name, extra=extra)  # type: ignore[call-arg]
        except RnncountError as err:
            # The layer's own message (a value or a type it cannot take), placed in the spec.
            raise SpecError(f"{where}: {str(err).split(': ', 1)[-1]}") from None
        if nested and cls.wrapper:
            raise SpecError(f"{where}: {kind} cannot wrap another wrapper")
        return layer


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):  # a loop, not recursion: a.b.c... can be long
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


# Tokens after which an operand starts afresh at the same bracket level: a spec's separators.
_RESTART = {",", ">", "="}
_OPEN, _CLOSE = set("([{"), set(")]}")


def too_deep_to_parse(source: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the text would make a syntax tree deeper than ``limit``, judged from its tokens.

    Python's parser and its ``ast`` objects recurse once per level of the tree. Natively a very deep
    text ends in ``RecursionError``, but in the browser (Pyodide) the WebAssembly stack runs out first
    and the whole interpreter stops, so the depth is estimated before parsing, in one pass and without
    recursion: brackets open levels, and every operator, keyword or call of a call's result between
    two separators (``,``, ``>`` or ``=`` at one bracket level) adds one, as ``1+1+1``, ``- - 1``,
    ``not not x``, ``f(1)(2)`` and ``lambda: lambda: 1`` each nest in the tree. The estimate is never
    below the tree's real depth of nested operations; a spec of layers needs a few levels. Every text
    a person types that goes to :mod:`ast` (a spec, a shape answer, a quiz formula) is checked first.
    """
    runs = [0]  # the operators since the last separator, one counter per open bracket
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            text, after = tok.string, previous
            previous = text if tok.type == tokenize.OP else ""
            if tok.type == tokenize.OP and text in _OPEN:
                if after in _CLOSE:  # f(1)(2), x[0][1]: a call on a call's result nests one level more
                    runs[-1] += 1
                runs.append(0)
            elif tok.type == tokenize.OP and text in _CLOSE:
                if len(runs) > 1:
                    runs.pop()
            elif tok.type == tokenize.OP and text in _RESTART:
                runs[-1] = 0
            elif tok.type == tokenize.OP or (tok.type == tokenize.NAME and keyword.iskeyword(text)):
                runs[-1] += 1
            else:
                continue
            if len(runs) - 1 + sum(runs) > limit:
                return True
    except (tokenize.TokenError, SyntaxError):
        pass  # unreadable text: the parser says why, and nothing read so far was too deep
    return False


def _depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, measured without recursion (the tree may be very deep)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _excerpt(text: str, col: int, width: int = 25) -> str:
    """The user's text around a 1-based column, quoted and cut so that the message stays short."""
    flat = "".join(" " if c.isspace() else c for c in text)
    if len(flat) <= 2 * width:
        return repr(flat.strip())
    start = max(col - 1 - width, 0)
    end = min(col - 1 + width, len(flat))
    return f"{'...' if start else ''}{flat[start:end]!r}{'...' if end < len(flat) else ''}"


_SEPARATORS = (">>", "->", "=>", ">=", "<", "|", ",", ";", "+", "&")


def _separator_problem(text: str) -> str | None:
    """A wrong or misplaced layer separator outside parentheses and quotes, as a message (or None).

    Only called once a spec failed to read, to name the likely cause: ``>>``, ``|``, ``,``, ``->``
    or a new line between layers, a ``>`` with no layer after it, and so on.
    """
    depth = 0
    quote = ""
    prev = ""  # the last character outside brackets that is not whitespace ("" at the start)
    gap = ""  # the whitespace since then
    i = 0
    n = len(text)
    example = "(e.g. LSTM(32) > Dense(1))"
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
            i += 1
            continue
        if c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(depth - 1, 0)
            if depth == 0:
                prev, gap = ")", ""
                i += 1
                continue
        if depth == 0 and not quote:
            if c.isspace():
                gap += c
                i += 1
                continue
            for sep in _SEPARATORS if prev == ")" else ():
                if text.startswith(sep, i):
                    return f"column {i + 1}: separate layers with '>', not {sep!r} {example}"
            if c in ">→":
                if prev in ("", ">"):
                    where = "the spec starts with '>'" if not prev else "two '>' with no layer between them"
                    return f"column {i + 1}: {where} {example}"
            elif (c.isalpha() or c == "_") and prev == ")":
                if "\n" in gap or "\r" in gap:
                    return f"column {i + 1}: separate layers with '>'; a new line does not separate them {example}"
                return f"column {i + 1}: separate layers with '>' {example}"
            prev, gap = ("" if c in "([{" else c), ""
            if c in "→":
                prev = ">"
        i += 1
    if prev == ">" and depth == 0 and not quote:
        col = len(text.rstrip())
        return f"column {col}: the spec ends with '>'; add a layer after it or remove it {example}"
    return None


def parse_spec(text: str) -> list[Layer]:
    """Parse ``"LSTM(32, return_sequences=True) > Dense(1)"`` into layer objects.

    Layers are separated by ``>``; an empty string gives an empty stack. Raises
    :class:`SpecError` with a one-line message that says where the problem is, and
    :class:`RnncountTypeError` when ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise RnncountTypeError(f"a spec is a string such as 'LSTM(32) > Dense(1)', got {type_name(text)}")
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"the spec is longer than {MAX_SPEC_LENGTH:,} characters ({len(text):,})")
    return _Reader(text).read()


def format_spec(layers: Sequence[Layer]) -> str:
    """The inverse of :func:`parse_spec`: ``[LSTM(32), Dense(1)]`` -> ``'LSTM(32) > Dense(1)'``."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise RnncountTypeError(f"format_spec() takes a list of layers such as [LSTM(32)], got {type_name(layers)}")
    layers = list(layers)
    for item in layers:
        if not isinstance(item, Layer):
            raise RnncountTypeError(
                f"format_spec() takes a list of layers such as [LSTM(32)], got {a_type(item)} in the list"
            )
    return " > ".join(layer.spec() for layer in layers)


_SHAPE_HELP = "give it without the batch, e.g. 30,5 (timesteps, features) or 200 (token ids)"


def _size(d: Any, text: Any) -> int | None:
    """One dimension of an input shape: a positive whole number, or None for a size left open."""
    if d is None:
        return None
    if isinstance(d, bool) or not hasattr(type(d), "__index__"):
        raise RnncountTypeError(
            f"input shape {shown(text)}: sizes must be whole numbers or None, got {shown(d)} ({a_type(d)})"
        )
    d = operator.index(d)  # a NumPy integer becomes a plain int
    if d <= 0:
        raise SpecError(f"input shape {shown(text)}: sizes must be positive whole numbers or None, got {shown(d)}")
    if d > MAX_SIZE:
        raise SpecError(f"input shape {shown(text)}: a size is too large ({shown(d)}; at most {MAX_SIZE:,})")
    return d


def parse_shape(text: str | int | tuple | list) -> tuple:
    """Parse an input shape without the batch: ``"30,5"``, ``"None,5"``, ``"200"`` or a tuple.

    Raises :class:`SpecError` for sizes that cannot work and :class:`RnncountTypeError` for
    a shape (or a size) of the wrong type.
    """
    if isinstance(text, bool):
        raise RnncountTypeError(f"an input shape is like (30, 5) or 200, got {shown(text)} (a bool)")
    if hasattr(type(text), "__index__") and not isinstance(text, (tuple, list, str)):
        dims: list[Any] = [text]
    elif isinstance(text, (tuple, list)):
        dims = list(text)
    elif isinstance(text, str):
        if len(text) > 100_000:
            raise SpecError(f"input shape {shown(text)} is too long; {_SHAPE_HELP}")
        cleaned = text.strip().strip("()[]").strip()
        if not cleaned:
            raise SpecError(f"input shape {shown(text)} is empty; {_SHAPE_HELP}")
        dims = []
        for part in cleaned.split(","):
            part = part.strip()
            if part == "" and dims:
                continue  # a trailing comma, as in (200,)
            if part in ("None", "none", "?"):
                dims.append(None)
                continue
            try:
                dims.append(parse_int(part, "size"))
            except SpecError as err:
                if "too large" in str(err):
                    raise SpecError(f"input shape {shown(text)}: a size is too large (at most {MAX_SIZE:,})") from None
                why = str(err).split(" is not a whole number", 1)[-1]
                raise SpecError(
                    f"input shape {shown(text)}: {shown(part)} is not a size{why}; give whole numbers or None, "
                    "without the batch, e.g. 30,5 (timesteps, features) or 200 (token ids)"
                ) from None
    else:
        raise RnncountTypeError(
            f"an input shape is like (30, 5), '30,5' or 200 (without the batch), got {type_name(text)}"
        )
    if not dims or len(dims) > 4:
        raise SpecError(f"input shape {shown(text)} must have 1 to 4 dimensions (without the batch)")
    return tuple(_size(d, text) for d in dims)


__all__ = ["MAX_DEPTH", "MAX_SPEC_LENGTH", "format_spec", "looks_numeric", "parse_int", "parse_shape", "parse_spec"]
