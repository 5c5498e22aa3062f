"""The by-hand formula, read off a layer's weight blocks.

A formula is never written per layer type: it is assembled from the blocks'
symbols (``i*h`` for an input kernel, ``h*h`` for a recurrent kernel, ``h`` for a
bias), grouped by weight block, so it always agrees with the count and the diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RnncountTypeError, SpecError, digits, too_large, type_name
from .layers import Block, Built


def group_digits(n: int, latex: bool = False) -> str:
    """17024 -> '17,024' (or '17{,}024' for LaTeX, which would otherwise add a space).

    Raises :class:`RnncountTypeError` for anything but a whole number, and :class:`SpecError`
    for one too large to write out (over 4,300 digits, Python's limit).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise RnncountTypeError(f"group_digits() takes a whole number, got {type_name(n)}")
    if too_large(n):
        raise SpecError(f"the number is too large to write out: it has {digits(n):,} digits")
    text = f"{n:,}"
    return text.replace(",", "{,}") if latex else text


@dataclass(frozen=True)
class Formula:
    """A layer's parameter count as a formula: in symbols, with numbers, and its value."""

    general: str
    numbers: str
    value: int
    latex_general: str
    latex_numbers: str
    symbols: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """``g*(i*h + h*h + h) = 4*(100*32 + 32*32 + 32) = 17,024``."""
        if not self.general:
            return "0 (no weights)"
        if self.numbers == group_digits(self.value):
            return f"{self.general} = {self.numbers}"
        return f"{self.general} = {self.numbers} = {group_digits(self.value)}"

    @property
    def latex(self) -> str:
        """The same as :attr:`text`, as LaTeX for Markdown display (no ``$`` around it)."""
        if not self.general:
            return r"0 \text{ (no weights)}"
        return rf"{self.latex_general} = {self.latex_numbers} = {group_digits(self.value, latex=True)}"

    def __str__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


def _terms(blocks: list[Block]) -> list[tuple[int, tuple[str, ...]]]:
    """Adjacent blocks with the same symbols merge: (h) + (h) -> 2h."""
    terms: list[tuple[int, tuple[str, ...]]] = []
    for b in blocks:
        if terms and terms[-1][1] == b.symbols:
            terms[-1] = (terms[-1][0] + 1, b.symbols)
        else:
            terms.append((1, b.symbols))
    return terms


def _render(
    terms: list[tuple[int, tuple[str, ...]]],
    values: dict[str, int] | None,
    latex: bool,
) -> str:
    times = r" \cdot " if latex else "*"
    out = []
    for count, symbols in terms:
        parts = [str(values[s]) if values else s for s in symbols]
        body = times.join(parts)
        if count > 1:
            # "2h" reads naturally in symbols; with numbers it must be "2*32".
            body = f"{count}{body}" if values is None and len(parts) == 1 else f"{count}{times}{body}"
        out.append(body)
    return " + ".join(out)


def _wrap(prefix: str, body: str, n_terms: int, latex: bool) -> str:
    if not prefix:
        return body
    if n_terms > 1:
        body = rf"\left({body}\right)" if latex else f"({body})"
    times = r" \cdot " if latex else "*"
    return f"{prefix}{times}{body}"


def formula_for(built: Built) -> Formula:
    """Build the formula of a layer from its blocks."""
    if built.parts:
        # Sub-layers with their own sizes (a backward layer of another kind, stacked cells):
        # each keeps its own formula and the layer's is their sum.
        subs = [formula_for(part) for part in built.parts]
        symbols: dict[str, int] = {}
        for sub in subs:
            symbols.update(sub.symbols)
        return Formula(
            " + ".join(s.general for s in subs),
            " + ".join(s.numbers for s in subs),
            built.params,
            " + ".join(s.latex_general for s in subs),
            " + ".join(s.latex_numbers for s in subs),
            symbols,
        )
    blocks = [b for b in built.blocks if b.direction in (None, "forward")]
    value = built.params
    if not blocks:
        return Formula("", "0", 0, "", "0", {})
    gates: list[str | None] = []
    for b in blocks:
        if b.gate not in gates:
            gates.append(b.gate)
    first = [b for b in blocks if b.gate == gates[0]]
    terms = _terms(first)
    symbols = dict(built.symbols)

    general = _render(terms, None, False)
    numbers = _render(terms, symbols, False)
    lgeneral = _render(terms, None, True)
    lnumbers = _render(terms, symbols, True)

    g = len(gates) if gates[0] is not None else 1
    if g > 1:
        symbols["g"] = g
        general = _wrap("g", general, len(terms), False)
        numbers = _wrap(str(g), numbers, len(terms), False)
        lgeneral = _wrap("g", lgeneral, len(terms), True)
        lnumbers = _wrap(str(g), lnumbers, len(terms), True)
    if built.copies > 1:
        n = len(terms) if g == 1 else 1
        c = str(built.copies)
        general = _wrap(c, general, n, False)
        numbers = _wrap(c, numbers, n, False)
        lgeneral = _wrap(c, lgeneral, n, True)
        lnumbers = _wrap(c, lnumbers, n, True)
    return Formula(general, numbers, value, lgeneral, lnumbers, symbols)
