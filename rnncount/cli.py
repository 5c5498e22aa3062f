"""The ``rnncount`` command.

``rnncount count SPEC --input SHAPE`` prints the by-hand table; ``--json`` the same
as data; ``--keras`` builds the real model and shows Keras's counts beside ours.
``rnncount explain MODEL.keras`` explains a saved Keras model.

Exit status: 0 on success, 1 for a wrong answer or a mismatch, 2 for input that
cannot be used (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .core.engine import count
from .core.formula import group_digits
from .core.layers import format_shape
from .errors import RnncountError, SpecError

EXIT_OK = 0
EXIT_WRONG = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but every usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        # An argument may hold a newline or be very long; the refusal stays one readable line.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


#: The longest error line printed; longer messages are cut in the middle.
MAX_ERROR_LENGTH = 400


def _one_line(message: object) -> str:
    text = " ".join(str(message).split())
    if len(text) > MAX_ERROR_LENGTH:
        half = MAX_ERROR_LENGTH // 2 - 3
        text = f"{text[:half]} ... {text[-half:]}"
    return text


def _fail(message: str) -> int:
    print(f"rnncount: error: {_one_line(message) or 'unknown error'}", file=sys.stderr)
    return EXIT_USAGE


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse, in rnncount's words, arguments that would otherwise fail deep inside with Python's."""
    from .core.spec import looks_numeric, parse_int

    spec = getattr(args, "spec", None)
    if isinstance(spec, str) and not spec.strip():
        raise SpecError("the spec is empty: give at least one layer, e.g. LSTM(32)")
    if getattr(args, "command", None) != "check":
        return
    # Answers and layer numbers people type: only the digits 0-9 and one sign make a number
    # ('²', '①' and '++3' pass str.isdigit() or a sign strip, then fail in int()).
    answer = getattr(args, "answer", None)
    if getattr(args, "ask", "params") == "params" and isinstance(answer, str):
        text = "".join(answer.split()).replace(",", "").replace("_", "")
        text = text[:-2] if text.endswith(".0") else text
        if looks_numeric(text):
            parse_int(text, "the answer", echo=repr(answer))
    elif isinstance(answer, str) and any(len(run) > 30 for run in re.findall(r"\d\w*", answer)):
        raise SpecError("the answer holds a number too large to be a size; write it like (None, 30, 4)")
    layer = getattr(args, "layer", None)
    if isinstance(layer, str) and looks_numeric(layer):
        args.layer = parse_int(layer, "the layer number")


def _count_framework(args: argparse.Namespace) -> int:
    """``rnncount count ... --framework pytorch|both``."""
    from .bridges.pytorch import count_torch

    if args.latex or args.keras:
        flag = "--latex" if args.latex else "--keras"
        raise SpecError(f"{flag} works with --framework keras only (the default)")
    torch_count = count_torch(args.spec, args.input)
    if args.framework == "pytorch":
        print(json.dumps(torch_count.to_dict(), indent=2) if args.json else torch_count.table())
        return EXIT_OK
    if args.json:
        print(json.dumps({"keras": torch_count.result.to_dict(), "pytorch": torch_count.to_dict()}, indent=2))
    else:
        print(torch_count.result.table())
        print()
        print(torch_count.compare())
    return EXIT_OK


def _cmd_count(args: argparse.Namespace) -> int:
    if getattr(args, "framework", "keras") != "keras":
        return _count_framework(args)
    result = count(args.spec, args.input)
    if args.keras:
        from .bridges.keras import build_model

        model = build_model(result, zeros=True)
        # A functional model (attention, merges, several outputs) also lists its InputLayer.
        keras_counts = [int(layer.count_params()) for layer in model.layers if type(layer).__name__ != "InputLayer"]
        if args.json:
            data = result.to_dict()
            data["keras_total"] = int(model.count_params())
            for row, k in zip(data["layers"], keras_counts, strict=True):
                row["keras_params"] = k
            print(json.dumps(data, indent=2))
        else:
            print(result.table())
            print()
            for lc, k in zip(result.layers, keras_counts, strict=True):
                mark = "ok" if k == lc.params else "MISMATCH"
                print(f"Keras {lc.name}: {group_digits(k)} ({mark})")
            total = int(model.count_params())
            mark = "ok" if total == result.total else "MISMATCH"
            print(f"Keras total: {group_digits(total)} ({mark})")
        mismatch = any(k != lc.params for lc, k in zip(result.layers, keras_counts, strict=True))
        return EXIT_WRONG if mismatch else EXIT_OK
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    elif args.latex:
        print(result.latex)
    else:
        print(result.table())
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    """Exit 0 when every formula agrees with Keras, 1 on any mismatch, 2 for a file that is not a model."""
    from .bridges.keras import explain, load_model_file

    model = load_model_file(args.model)
    explanation = explain(model)
    print(json.dumps(explanation.to_dict(), indent=2) if args.json else explanation.table())
    return EXIT_OK if explanation.all_match else EXIT_WRONG


def _add_count(sub: Any) -> None:
    p = sub.add_parser(
        "count",
        help="count the parameters and output shapes of a stack",
        description="Count a stack, e.g.: rnncount count 'GRU(4, return_sequences=True) > Dense(1)' --input 30,5",
    )
    p.add_argument("spec", help="layers separated by '>', e.g. \"LSTM(32) > Dense(1)\"")
    p.add_argument(
        "--input",
        "-i",
        required=True,
        metavar="SHAPE",
        help="the input without the batch: 30,5 (timesteps,features), None,5, or 200 (token ids)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--latex", action="store_true", help="print the formulas as LaTeX")
    p.add_argument("--keras", action="store_true", help="also build the real Keras model and compare its counts")
    p.add_argument(
        "--framework",
        choices=["keras", "pytorch", "both"],
        default="keras",
        help="count the Keras layers (default), their PyTorch equivalents, or both side by side",
    )
    p.set_defaults(func=_cmd_count)


def _add_explain(sub: Any) -> None:
    p = sub.add_parser(
        "explain",
        help="explain a saved Keras model (.keras file) layer by layer",
        description="Explain every layer of a saved Keras model: formula, our count, Keras's count. "
        "Exit status 0 when every formula agrees with Keras, 1 on a mismatch, 2 for a file that is not a model.",
    )
    p.add_argument("model", help="path to a .keras file (or a legacy .h5); it is loaded safely, never running its code")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(func=_cmd_explain)


#: Sub-command registrars; other modules append theirs (homework, check, ...).
SUBCOMMANDS: list[Callable[[Any], None]] = [_add_count, _add_explain]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"counts from 1, got {value}")
    return value


def _cmd_lecture(args: argparse.Namespace) -> int:
    from .lecture.mode import _check_notebook, export_deck, run_lecture

    theme = "dark" if args.dark else "light"
    if args.export:
        _check_notebook(args.notebook)
        target = export_deck(args.notebook, args.export, theme=theme, slide=args.slide)
        print(f"rnncount lecture: wrote {target}")
        return EXIT_OK
    return run_lecture(args.notebook, port=args.port, theme=theme, open_browser=not args.no_browser, slide=args.slide)


def _add_lecture(sub: Any) -> None:
    """``rnncount lecture``: lecture mode is imported only when the sub-command runs (Voila is optional)."""
    from .lecture.mode import DEFAULT_PORT

    p = sub.add_parser(
        "lecture",
        help="show a notebook as slides without code, large enough to project (Voila)",
        description=(
            "Serve a notebook as slides: one section per screen, explanations, outputs and live dashboards, "
            "code hidden. Keys: ArrowRight/ArrowLeft, PageDown/PageUp, Space, Home, End. "
            "Example: rnncount lecture notebooks/03_lstm.ipynb --slide 5. "
            "With --export deck.html, write a static deck instead (no kernel needed to show it)."
        ),
    )
    p.add_argument("notebook", help="the notebook to show, e.g. notebooks/03_lstm.ipynb")
    p.add_argument(
        "--port", type=int, default=None, help=f"port to serve on (default: {DEFAULT_PORT} or the next free)"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--dark", action="store_true", help="dark theme (for dim rooms)")
    p.add_argument("--slide", type=_positive, default=1, metavar="N", help="open at slide N (default: 1)")
    p.add_argument(
        "--export",
        metavar="DECK.html",
        default=None,
        help="run the notebook once and write a static slide deck to this file (opens from file://)",
    )
    p.set_defaults(func=_cmd_lecture)


SUBCOMMANDS.append(_add_lecture)


def _add_check(sub: Any) -> None:
    from .classroom.exercises import add_check_command

    add_check_command(sub)


def _add_homework(sub: Any) -> None:
    from .classroom.homework import add_homework_command

    add_homework_command(sub)


SUBCOMMANDS += [_add_check, _add_homework]


def _cmd_draw(args: argparse.Namespace) -> int:
    from .pictures.drawing import picture, save_picture

    pic = picture(args.spec, args.input, view=args.view, dark=args.dark, layer=args.layer)
    try:
        save_picture(pic, args.output)
    except OSError as err:
        raise SpecError(f"cannot write {args.output!r}: {err.strerror or err}") from None
    print(args.output)
    return EXIT_OK


def _add_draw(sub: Any) -> None:
    p = sub.add_parser(
        "draw",
        help="draw a stack's picture (a view: weights, unrolled, cell, ...) as .svg, .png or .pdf",
        description="Draw a picture for slides and handouts, e.g.: "
        "rnncount draw 'LSTM(32) > Dense(1)' --input 20,100 --view cell -o lstm_cell.svg",
    )
    p.add_argument("spec", help="layers separated by '>', e.g. \"LSTM(32) > Dense(1)\"")
    p.add_argument("--input", "-i", required=True, metavar="SHAPE", help="the input without the batch, e.g. 30,5")
    from .pictures.registry import REGISTRY

    p.add_argument(
        "--view",
        choices=list(REGISTRY),
        default="weights",
        help="; ".join(f"{v.name}: {v.label}" for v in REGISTRY.values()) + " (default: weights)",
    )
    p.add_argument("--layer", metavar="NAME", help="the recurrent layer the unrolled and cell views show")
    p.add_argument("--dark", action="store_true", help="light text on a dark background")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="where to write: .svg, .png or .pdf")
    p.set_defaults(func=_cmd_draw)


SUBCOMMANDS.append(_add_draw)


def _add_grade(sub: Any) -> None:
    from .classroom.grade import add_grade_command

    add_grade_command(sub)


SUBCOMMANDS.append(_add_grade)


def _add_quiz(sub: Any) -> None:
    from .classroom.quiz import add_quiz_command

    add_quiz_command(sub)


SUBCOMMANDS.append(_add_quiz)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rnncount",
        description="Count the parameters and predict the shapes of neural network layers, checked against Keras 3.",
    )
    parser.add_argument("--version", action="version", version=f"rnncount {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_arguments(args)
        status = args.func(args)
        # Domain commands (check, grade, quiz) return a verdict; the command line owns the exit codes.
        if isinstance(status, bool):
            return EXIT_OK if status else EXIT_WRONG
        return int(status)
    except RnncountError as err:
        return _fail(str(err))
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early; say nothing more, as Python's docs advise.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_WRONG
    except (RecursionError, MemoryError):
        return _fail("the input is too large or too deeply nested to read")
    except Exception as err:
        # The promise is one line, never a traceback; RNNCOUNT_DEBUG=1 shows it to a maintainer.
        if os.environ.get("RNNCOUNT_DEBUG"):
            raise
        return _fail(f"internal error ({type(err).__name__}: {err}); please report it (RNNCOUNT_DEBUG=1 shows more)")


__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_WRONG", "build_parser", "format_shape", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
