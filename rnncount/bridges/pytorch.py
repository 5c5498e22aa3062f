"""The PyTorch equivalents of a counted stack, and where their counts differ from Keras.

The arithmetic is pure Python: each PyTorch parameter is derived from the Keras
weight blocks of the same layer (PyTorch stores the kernels transposed, block rows
stacked, and keeps a second bias vector per weight block). ``torch`` is imported only by
:func:`torch_modules`, which builds the real modules so the counts can be checked.

>>> from rnncount.bridges.pytorch import count_torch
>>> count_torch("LSTM(4) > Dense(1)", (30, 5)).total
181
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.engine import CountResult, LayerCount, count
from ..core.formula import group_digits
from ..core.layers import (
    GRU,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    TimeDistributed,
    _Conv,
    _GlobalPool,
    _Pool,
    _Recurrent,
)
from ..core.text import grid
from ..errors import SpecError

#: What rnncount ports to PyTorch; any other kind is refused in one line.
PORTED = (
    "Dense, Embedding, Flatten, Dropout, RepeatVector, SimpleRNN, LSTM, GRU, Bidirectional, RNN of one cell, "
    "TimeDistributed(Dense), Conv1D, Conv2D and pooling"
)


@dataclass(frozen=True)
class TorchParam:
    """One ``nn.Parameter`` of a PyTorch module: its name as ``named_parameters()`` gives it, and shape."""

    name: str
    shape: tuple[int, ...]
    keras: str  # what it corresponds to in Keras, e.g. "kernel (transposed)", or "no Keras twin"

    @property
    def params(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class TorchLayer:
    """The PyTorch equivalent of one Keras layer."""

    name: str  # the Keras layer name (lstm, dense_1, ...)
    keras_type: str
    module: str  # the PyTorch code, e.g. "nn.LSTM(5, 4, batch_first=True)"
    parameters: tuple[TorchParam, ...]
    keras_params: int
    general: str  # formula in symbols ("" for no weights)
    numbers: str
    twin: bool  # False when PyTorch has no module doing exactly what the Keras layer does
    note: str  # why the counts differ, or how to get the same behaviour; "" when nothing to say

    @property
    def params(self) -> int:
        return sum(p.params for p in self.parameters)

    @property
    def diff(self) -> int:
        """PyTorch's count minus Keras's."""
        return self.params - self.keras_params

    @property
    def formula(self) -> str:
        if not self.general:
            return "0 (no weights)"
        return f"{self.general} = {self.numbers} = {group_digits(self.params)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "keras_type": self.keras_type,
            "module": self.module,
            "params": self.params,
            "keras_params": self.keras_params,
            "diff": self.diff,
            "formula": self.formula,
            "twin": self.twin,
            "note": self.note,
            "parameters": [{"name": p.name, "shape": list(p.shape), "keras": p.keras} for p in self.parameters],
        }


def _linear(lc: LayerCount, dense: Dense, wrapped: bool) -> TorchLayer:
    i, o = lc.built.symbols["i"], lc.built.symbols["o"]
    params = [TorchParam("weight", (o, i), "kernel (transposed)")]
    if dense.use_bias:
        params.append(TorchParam("bias", (o,), "bias"))
    bias = "" if dense.use_bias else ", bias=False"
    general = "i*o + o" if dense.use_bias else "i*o"
    numbers = f"{i}*{o} + {o}" if dense.use_bias else f"{i}*{o}"
    note = ""
    if wrapped:
        note = "nn.Linear acts on the last dimension, so it needs no TimeDistributed wrapper"
    elif len(lc.input_shape) > 2:
        note = "nn.Linear acts on the last dimension, per timestep, like Keras's Dense on a sequence"
    return TorchLayer(
        lc.name, lc.type, f"nn.Linear({i}, {o}{bias})", tuple(params), lc.params, general, numbers, True, note
    )


def _recurrent(lc: LayerCount, layer: Layer) -> TorchLayer:
    bidi = isinstance(layer, Bidirectional)
    cell = layer.inner()
    assert isinstance(cell, _Recurrent)
    i, h = lc.built.symbols["i"], lc.built.symbols["h"]
    g = lc.built.gates
    params: list[TorchParam] = []
    directions = (("forward", "_l0"), ("backward", "_l0_reverse")) if bidi else ((None, "_l0"),)
    for direction, suffix in directions:
        blocks = [b for b in lc.blocks if b.direction == direction]
        # PyTorch stacks the weight blocks as rows of one matrix per role: (g*h, i), (g*h, h), (g*h,).
        rows_ih = sum(b.shape[1] for b in blocks if b.role == "input kernel")
        rows_hh = sum(b.shape[1] for b in blocks if b.role == "recurrent kernel")
        params.append(TorchParam(f"weight_ih{suffix}", (rows_ih, i), "kernel (transposed)"))
        params.append(TorchParam(f"weight_hh{suffix}", (rows_hh, h), "recurrent_kernel (transposed)"))
        bias_in = sum(b.params for b in blocks if b.role == "bias")
        bias_rec = sum(b.params for b in blocks if b.role == "recurrent bias")
        if bias_in:
            params.append(TorchParam(f"bias_ih{suffix}", (bias_in,), "bias" if not bias_rec else "bias[0]"))
            # Keras's single-bias cells have nothing here: PyTorch always adds the recurrent bias.
            params.append(
                TorchParam(f"bias_hh{suffix}", (bias_in,), "bias[1]" if bias_rec else "no Keras twin (extra bias)")
            )
    args = [str(i), str(h)]
    if not cell.use_bias:
        args.append("bias=False")
    args.append("batch_first=True")
    if bidi:
        args.append("bidirectional=True")
    module = f"{cell.torch}({', '.join(args)})"

    inner = "h*i + h*h + 2h" if cell.use_bias else "h*i + h*h"
    inner_n = f"{h}*{i} + {h}*{h} + 2*{h}" if cell.use_bias else f"{h}*{i} + {h}*{h}"
    general, numbers = f"({inner})", f"({inner_n})"
    if g > 1:
        general, numbers = f"g*{general}", f"{g}*{numbers}"
    if bidi:
        general, numbers = f"2*{general}", f"2*{numbers}"
    if general.startswith("("):
        general, numbers = general[1:-1], numbers[1:-1]

    twin = True
    notes: list[str] = []
    if isinstance(cell, GRU) and not cell.reset_after:
        twin = False
        notes.append(
            "no PyTorch twin: nn.GRU always applies the reset gate after the recurrent product (Keras's "
            "reset_after=True) and keeps two bias vectors; Keras's reset_after=False has one"
        )
    elif cell.use_bias and not (isinstance(cell, GRU) and cell.reset_after):
        notes.append("PyTorch keeps two bias vectors per weight block (bias_ih and bias_hh); Keras has one")
    elif isinstance(cell, GRU) and cell.use_bias:
        notes.append("same count: Keras's reset_after=True GRU also keeps two bias rows")
    if cell.torch_gates != cell.gates:
        notes.append(f"block order {','.join(cell.torch_gates)} (Keras {','.join(cell.gates)})")
    if not cell.return_sequences:
        notes.append("PyTorch returns every timestep; take out[:, -1] for Keras's last output")
    if bidi and layer.merge_mode != "concat":
        notes.append(f"PyTorch concatenates the directions; merge_mode={layer.merge_mode!r} is done by hand")
    return TorchLayer(lc.name, lc.type, module, tuple(params), lc.params, general, numbers, twin, "; ".join(notes))


def _conv(lc: LayerCount, conv: _Conv) -> TorchLayer:
    sym = lc.built.symbols
    k = tuple(v for key, v in sym.items() if key in ("k", "kh", "kw"))
    f, groups = conv.filters, conv.groups
    i = sym.get("i", sym.get("i/groups", 0) * groups)
    params = [TorchParam("weight", (f, i // groups, *k), "kernel (axes reordered: filters first)")]
    if conv.use_bias:
        params.append(TorchParam("bias", (f,), "bias"))
    rank = len(k)
    args = [str(i), str(f), str(k[0] if rank == 1 else k)]
    if conv.strides not in (1, (1,) * rank):
        args.append(f"stride={conv.strides}")
    strided = conv.strides not in (1, (1,) * rank)
    if conv.padding == "same" and not strided:
        args.append("padding='same'")
    if conv.dilation_rate not in (1, (1,) * rank):
        args.append(f"dilation={conv.dilation_rate}")
    if groups != 1:
        args.append(f"groups={groups}")
    if not conv.use_bias:
        args.append("bias=False")
    notes = ["PyTorch puts the channels before the steps: (batch, channels, length) where Keras has (batch, T, c)"]
    if conv.padding == "same" and strided:
        notes.append("PyTorch's padding='same' needs stride 1: pad by hand (the count is the same)")
    if conv.padding == "causal":
        notes.append("no padding='causal' in PyTorch: pad k-1 steps on the left by hand")
    kernel = lc.blocks[0]
    general = kernel.term + (" + f" if conv.use_bias else "")
    numbers = "*".join(map(str, kernel.shape)) + (f" + {f}" if conv.use_bias else "")
    module = f"nn.Conv{rank}d({', '.join(args)})"
    return TorchLayer(lc.name, lc.type, module, tuple(params), lc.params, general, numbers, True, "; ".join(notes))


def _no_weights(lc: LayerCount, module: str, note: str = "") -> TorchLayer:
    return TorchLayer(lc.name, lc.type, module, (), 0, "", "", True, note)


def torch_layer(lc: LayerCount) -> TorchLayer:
    """The PyTorch equivalent of one counted Keras layer; SpecError for a kind rnncount does not port."""
    layer = lc.layer.unwrap()
    if isinstance(layer, Dense):
        return _linear(lc, layer, wrapped=False)
    if isinstance(layer, TimeDistributed) and isinstance(layer.inner(), Dense):
        return _linear(lc, layer.inner(), wrapped=True)
    if isinstance(layer, Embedding):
        v, d = layer.input_dim, layer.output_dim
        params = (TorchParam("weight", (v, d), "embeddings"),)
        return TorchLayer(lc.name, lc.type, f"nn.Embedding({v}, {d})", params, lc.params, "V*d", f"{v}*{d}", True, "")
    if isinstance(layer, _Recurrent) or (isinstance(layer, Bidirectional) and isinstance(layer.inner(), _Recurrent)):
        if isinstance(layer, Bidirectional) and layer.backward_layer is not None:
            raise SpecError(
                f"{lc.name} ({lc.type}): PyTorch's bidirectional=True runs two copies of one layer; "
                "a backward_layer of its own has no nn.RNN/nn.LSTM/nn.GRU twin"
            )
        return _recurrent(lc, layer)
    if isinstance(layer, _Conv):
        return _conv(lc, layer)
    if isinstance(layer, _Pool):
        op = "Max" if layer.op == "largest" else "Avg"
        p = layer.pool_size
        stride = "" if layer.strides is None else f", stride={layer.strides}"
        note = "PyTorch pools over the last axis: (batch, channels, length)"
        return _no_weights(lc, f"nn.{op}Pool{layer.rank}d({p}{stride})", note)
    if isinstance(layer, _GlobalPool):
        op = "Max" if layer.op == "largest" else "Avg"
        return _no_weights(lc, f"nn.Adaptive{op}Pool{layer.rank}d(1)", "then flatten: (batch, c, 1) -> (batch, c)")
    if isinstance(layer, Flatten):
        return _no_weights(lc, "nn.Flatten()")
    if isinstance(layer, Dropout):
        return _no_weights(lc, f"nn.Dropout({layer.rate})")
    if isinstance(layer, RepeatVector):
        return TorchLayer(
            lc.name,
            lc.type,
            f"x.unsqueeze(1).expand(-1, {layer.n}, -1)",
            (),
            0,
            "",
            "",
            False,
            "no module: a tensor operation with no weights",
        )
    why = lc.layer.inner().torch_note or f"rnncount ports {PORTED} to PyTorch"
    raise SpecError(f"{lc.name} ({lc.type}) has no PyTorch port here: {why}")


@dataclass(frozen=True)
class TorchCount:
    """A stack's PyTorch equivalents beside its Keras counts."""

    result: CountResult
    layers: tuple[TorchLayer, ...]

    @property
    def total(self) -> int:
        return sum(t.params for t in self.layers)

    @property
    def keras_total(self) -> int:
        return self.result.total

    @property
    def diff(self) -> int:
        return self.total - self.keras_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": "pytorch",
            "total": self.total,
            "keras_total": self.keras_total,
            "diff": self.diff,
            "layers": [t.to_dict() for t in self.layers],
        }

    def table(self) -> str:
        """The PyTorch modules, their formulas and counts."""
        head = ("Layer (Keras type)", "PyTorch module", "Formula", "Params")
        rows = [(f"{t.name} ({t.keras_type})", t.module, t.formula, group_digits(t.params)) for t in self.layers]
        out = grid(head, rows, right=(3,))
        parts = [group_digits(t.params) for t in self.layers]
        total = f"{' + '.join(parts)} = {group_digits(self.total)}" if len(parts) > 1 else group_digits(self.total)
        out.append(f"Total params (PyTorch): {total}")
        out += [f"  {t.name}: {t.note}" for t in self.layers if t.note]
        return "\n".join(out)

    def compare(self) -> str:
        """Keras and PyTorch side by side, with where and why the counts differ."""
        head = ("Layer (Keras type)", "Keras", "PyTorch module", "PyTorch", "Diff")
        rows = [
            (
                f"{t.name} ({t.keras_type})",
                group_digits(t.keras_params),
                t.module,
                group_digits(t.params),
                _signed(t.diff),
            )
            for t in self.layers
        ]
        out = grid(head, rows, right=(1, 3, 4))
        out.append(
            f"Total: Keras {group_digits(self.keras_total)}, PyTorch {group_digits(self.total)} ({_signed(self.diff)})"
        )
        why = [t for t in self.layers if t.diff or not t.twin]
        if why:
            out.append("Why they differ:")
            for t in why:
                out.append(f"  {t.name}: {t.note}" + (f" ({_signed(t.diff)})" if t.diff else ""))
        else:
            out.append("Every layer has the same count in both frameworks.")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.compare()

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            f"<td><code>{html.escape(t.name)}</code> ({html.escape(t.keras_type)})</td>"
            f"<td style='text-align:right'>{group_digits(t.keras_params)}</td>"
            f"<td><code>{html.escape(t.module)}</code></td>"
            f"<td style='text-align:right'>{group_digits(t.params)}</td>"
            f"<td style='text-align:right'>{_signed(t.diff)}</td>"
            f"<td>{html.escape(t.note)}</td>"
            "</tr>"
            for t in self.layers
        )
        return (
            "<table class='rnncount-torch'>"
            "<tr><th>Layer (Keras type)</th><th>Keras</th><th>PyTorch module</th><th>PyTorch</th>"
            "<th>Diff</th><th>Why</th></tr>"
            f"{rows}<tr><th style='text-align:left'>Total</th>"
            f"<th style='text-align:right'>{group_digits(self.keras_total)}</th><th></th>"
            f"<th style='text-align:right'>{group_digits(self.total)}</th>"
            f"<th style='text-align:right'>{_signed(self.diff)}</th><th></th></tr></table>"
        )


def _signed(n: int) -> str:
    return "0" if n == 0 else f"{n:+,}"


def count_torch(spec: CountResult | str | Sequence[Layer], input_shape: Any = None) -> TorchCount:
    """Count the PyTorch equivalents of a stack (no torch needed)."""
    result = spec if isinstance(spec, CountResult) else count(spec, input_shape)
    return TorchCount(result, tuple(torch_layer(lc) for lc in result.layers))


def torch_params(lc: LayerCount) -> int:
    """PyTorch's count for one counted Keras layer."""
    return torch_layer(lc).params


def torch_module(lc: LayerCount) -> Any:
    """Build the real ``torch.nn`` module for one layer (``None`` for RepeatVector); imports torch."""
    from torch import nn

    torch_layer(lc)  # refuses what is not ported
    layer = lc.layer.unwrap()
    if isinstance(layer, (Dense, TimeDistributed)):
        dense = layer.inner()
        return nn.Linear(lc.built.symbols["i"], dense.units, bias=dense.use_bias)
    if isinstance(layer, Embedding):
        return nn.Embedding(layer.input_dim, layer.output_dim)
    if isinstance(layer, (_Recurrent, Bidirectional)):
        cell = layer.inner()
        cls = getattr(nn, cell.torch.removeprefix("nn."))
        return cls(
            lc.built.symbols["i"],
            cell.units,
            bias=cell.use_bias,
            batch_first=True,
            bidirectional=isinstance(layer, Bidirectional),
        )
    if isinstance(layer, _Conv):
        conv = getattr(nn, f"Conv{layer.rank}d")
        sym = lc.built.symbols
        i = sym.get("i", sym.get("i/groups", 0) * layer.groups)
        strided = layer.strides not in (1, (1,) * layer.rank)
        padding = "same" if layer.padding == "same" and not strided else 0  # torch: 'same' only for stride 1
        return conv(
            i, layer.filters, layer.kernel_size, stride=layer.strides, padding=padding,
            dilation=layer.dilation_rate, groups=layer.groups, bias=layer.use_bias,
        )  # fmt: skip
    if isinstance(layer, Flatten):
        return nn.Flatten()
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.rate)
    return None  # no weights (pooling, RepeatVector)


def torch_modules(spec: CountResult | str | Sequence[Layer], input_shape: Any = None) -> list[tuple[str, Any]]:
    """``[(keras layer name, torch module or None), ...]`` for a stack; imports torch."""
    result = spec if isinstance(spec, CountResult) else count(spec, input_shape)
    return [(lc.name, torch_module(lc)) for lc in result.layers]


__all__ = [
    "PORTED",
    "TorchCount",
    "TorchLayer",
    "TorchParam",
    "count_torch",
    "torch_layer",
    "torch_module",
    "torch_modules",
    "torch_params",
]
