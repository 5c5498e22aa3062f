"""Plain-text tables for the terminal: one layout shared by every table rnncount prints."""

from __future__ import annotations

from collections.abc import Sequence


def grid(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[int, ...] = ()) -> list[str]:
    """Rule, header, rule, rows, rule; columns padded to fit, those in ``right`` right-aligned."""
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]

    def line(r: tuple[str, ...]) -> str:
        cells = [r[k].rjust(widths[k]) if k in right else r[k].ljust(widths[k]) for k in range(len(r))]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(head))
    return [rule, line(head), rule, *(line(r) for r in rows), rule]
