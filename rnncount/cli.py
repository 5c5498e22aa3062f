"""The ``rnncount`` command.

``rnncount count SPEC --input SHAPE`` prints the by-hand table; ``--json`` the same
as data; ``--keras`` builds the real model and shows Keras's counts beside ours.
``rnncount explain MODEL.keras`` explains a saved Keras model.

Exit status: 0 on success, 2 for input that cannot be used (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .engine import count
from .errors import SpecError
from .formula import group_digits
from .layers import format_shape

EXIT_OK = 0
EXIT_WRONG = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but every usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _fail(message: str) -> int:
    print(f"rnncount: error: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_USAGE


def _cmd_count(args: argparse.Namespace) -> int:
    if getattr(args, "framework", "keras") != "keras":
        from .pytorch import cmd_count_framework

        return cmd_count_framework(args)
    result = count(args.spec, args.input)
    if args.keras:
        from .keras_bridge import build_model

        model = build_model(result, zeros=True)
        keras_counts = [int(layer.count_params()) for layer in model.layers]
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
    from .keras_bridge import explain, keras

    try:
        model = keras().saving.load_model(args.model, compile=False)
    except (OSError, ValueError) as err:
        raise SpecError(f"cannot load {args.model!r} as a Keras model: {str(err).splitlines()[0]}") from None
    explanation = explain(model)
    print(json.dumps(explanation.to_dict(), indent=2) if args.json else explanation.table())
    return EXIT_OK


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
        description="Explain every layer of a saved Keras model: formula, our count, Keras's count.",
    )
    p.add_argument("model", help="path to a .keras file")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(func=_cmd_explain)


#: Sub-command registrars; other modules append theirs (homework, check, ...).
SUBCOMMANDS: list[Callable[[Any], None]] = [_add_count, _add_explain]


def _add_lecture(sub: Any) -> None:
    from .lecture import add_lecture

    add_lecture(sub)


SUBCOMMANDS.append(_add_lecture)


def _add_check(sub: Any) -> None:
    from .exercises import add_check_command

    add_check_command(sub)


def _add_homework(sub: Any) -> None:
    from .homework import add_homework_command

    add_homework_command(sub)


SUBCOMMANDS += [_add_check, _add_homework]


def _cmd_draw(args: argparse.Namespace) -> int:
    from .drawing import picture, save_picture

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
        help="draw a stack's picture (weights, unrolled or cell) as .svg, .png or .pdf",
        description="Draw a picture for slides and handouts, e.g.: "
        "rnncount draw 'LSTM(32) > Dense(1)' --input 20,100 --view cell -o lstm_cell.svg",
    )
    p.add_argument("spec", help="layers separated by '>', e.g. \"LSTM(32) > Dense(1)\"")
    p.add_argument("--input", "-i", required=True, metavar="SHAPE", help="the input without the batch, e.g. 30,5")
    p.add_argument(
        "--view",
        choices=["weights", "unrolled", "cell"],
        default="weights",
        help="weight blocks by gate (default), the layer unrolled over time, or one step inside the cell",
    )
    p.add_argument("--layer", metavar="NAME", help="the recurrent layer the unrolled and cell views show")
    p.add_argument("--dark", action="store_true", help="light text on a dark background")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="where to write: .svg, .png or .pdf")
    p.set_defaults(func=_cmd_draw)


SUBCOMMANDS.append(_add_draw)


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
        return int(args.func(args))
    except SpecError as err:
        return _fail(str(err))
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early; say nothing more, as Python's docs advise.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_WRONG


__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_WRONG", "build_parser", "format_shape", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
