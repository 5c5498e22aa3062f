"""The known counting mistakes, one record each: the rule that computes them, the sentence that names them,
and how to teach against them.

A :class:`Misconception` carries everything about one mistake:

- ``rule(result, k)``: layer k's count as a student with that misconception computes it, or None where
  it does not apply. The rules read the layer's weight blocks (their variable, role, gate and symbols),
  not its class, so "forgot the bias" applies to a Conv1D or a MultiHeadAttention as it does to an LSTM,
  and a new layer kind gets every rule its blocks allow without an edit here.
- ``explain(result, candidate)``: the one sentence the checker says, with the student's numbers and never
  the right count;
- ``title`` and ``summary`` (the right reasoning in a line) and ``teaching`` (one sentence for the teacher
  on how to teach against it, used by ``rnncount grade``'s report).

The order of :data:`RECORDS` is the order of plausibility: when two mistakes give the same number, the
first one names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.engine import CountResult, LayerCount, count
from ..core.formula import group_digits
from ..core.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Flatten,
    Layer,
    SimpleRNN,
    TimeDistributed,
    format_shape,
)
from ..errors import SpecError

Rule = Callable[[CountResult, int], "int | None"]


@dataclass(frozen=True)
class Candidate:
    """A wrong number some misconception produces, and where (``layers``: indexes, empty = nowhere special)."""

    key: str
    value: int
    layers: tuple[int, ...]
    everywhere: bool = False
    variant: str = ""


Explain = Callable[[CountResult, Candidate], str]


@dataclass(frozen=True)
class Misconception:
    """A known mistake: a stable key (graders use it), its rule, its sentence, its title, summary and teaching."""

    key: str
    title: str
    summary: str
    teaching: str
    rule: Rule | None = None
    explain: Explain | None = None


# --------------------------------------------------------------------------- helpers


def _cell(layer: Layer) -> Any:
    """The recurrent layer a layer is or wraps (Bidirectional, RNN(cell) unwrapped; a ConvLSTM too), or None."""
    inner = layer.inner()
    return inner if getattr(inner, "recurrent", False) and hasattr(inner, "return_sequences") else None


def _dense(layer: Layer) -> Dense | None:
    if isinstance(layer, TimeDistributed):
        return layer.layer if isinstance(layer.layer, Dense) else None
    return layer if isinstance(layer, Dense) else None


def _rewrap(layer: Layer, inner: Layer) -> Layer:
    if isinstance(layer, (Bidirectional, TimeDistributed)):
        return layer.with_options(layer=inner)
    return inner


def _layers(result: CountResult) -> list[Layer]:
    return [lc.layer for lc in result.layers]


def _recount(layers: Sequence[Layer], input_shape: Any) -> CountResult | None:
    try:
        return count(list(layers), input_shape[1:])
    except SpecError:
        return None


def _with_layer_on(layer: Layer, input_shape: Any) -> int | None:
    again = _recount([layer.with_options(name=None)], input_shape)
    return None if again is None else again.layers[0].params


def _timesteps(lc: LayerCount) -> int | None:
    """T, for a layer that reads a sequence: (None, T, i), or (None, T, ..., i) for a recurrent layer of frames."""
    shape = lc.input_shape
    if not isinstance(shape, tuple) or len(shape) < 3 or (len(shape) > 3 and _cell(lc.layer) is None):
        return None
    return shape[1]


def _is_bias(block: Any) -> bool:
    return block.role == "bias" or block.role.endswith(" bias")


def _recurrent_blocks(lc: LayerCount) -> bool:
    """Whether the layer has a recurrent kernel (one cell; stacked cells are left to their own formula)."""
    return any(b.role == "recurrent kernel" for b in lc.blocks) and not any(b.group for b in lc.blocks)


def _gates(lc: LayerCount) -> list[str]:
    return list(dict.fromkeys(b.gate for b in lc.blocks if b.gate is not None))


def _n(value: int) -> str:
    return group_digits(value)


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "AEFHILMNORSX" else f"a {word}"


def _who(result: CountResult, k: int) -> str:
    """How a sentence names layer k: 'the LSTM' in a one-layer model, else 'lstm_1 (LSTM)'."""
    lc = result.layers[k]
    return f"the {lc.type}" if len(result.layers) == 1 else f"{lc.name} ({lc.type})"


def _names(result: CountResult, ks: Sequence[int]) -> str:
    names = [result.layers[k].name for k in ks]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _many(c: Candidate) -> bool:
    return c.everywhere and len(c.layers) > 1


def _where(result: CountResult, c: Candidate) -> str:
    return _names(result, c.layers) if _many(c) else _who(result, c.layers[0])


_BLOCKS = {
    "LSTM": "the input, forget and output gates and the candidate c̃",
    "GRU": "the update gate z, the reset gate r and the candidate h̃",
}
_BLOCKS_BY_GATES = {LSTM.gates: _BLOCKS["LSTM"], GRU.gates: _BLOCKS["GRU"], SimpleRNN.gates: "one"}


def _kind(lc: LayerCount) -> str:
    """The recurrent kind a layer computes (``RNN(LSTMCell(4))`` is an LSTM), else its Keras type."""
    cell = _cell(lc.layer)
    return cell.kind if cell is not None else lc.type


def _block_names(lc: LayerCount) -> str:
    """The layer's weight blocks in words, e.g. "input gate, forget gate, candidate, output gate"."""
    gates = tuple(_gates(lc))
    return _BLOCKS_BY_GATES.get(gates, ", ".join(gates))


def _worked(wrong: int, inner: str, copies: int) -> str:
    """ ", 600 = 3*(...)": the student's number and how it was made, once per direction."""
    return f", {_n(wrong)} = " + (f"{copies}*({inner})" if copies > 1 else inner)


# --------------------------------------------------------------------------- the rules
# Each rule gives layer k's count as a student with that misconception would compute it, from the layer's
# weight blocks or by changing the model and recounting it with the engine; None when it does not apply.


def _rule_gru_reset_after(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if not _recurrent_blocks(lc) or not any(_is_bias(b) for b in lc.blocks):
        return None
    second = sum(b.params for b in lc.blocks if b.role == "recurrent bias")
    if second:  # two bias rows counted as one: the reset_after=False formula
        return lc.params - second
    if set(_gates(lc)) == set(GRU.gates):  # one bias row counted as two: the reset_after=True formula
        return lc.params + sum(b.params for b in lc.blocks if _is_bias(b))
    return None


def _rule_forgot_bias(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    bias = sum(b.params for b in lc.blocks if _is_bias(b))
    return lc.params - bias if bias else None


def _rule_forgot_gates(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    gates = _gates(lc)
    if len(gates) <= 1:
        return None
    # Keep only the first gate's blocks: the count with g forced to 1.
    return sum(b.params for b in lc.blocks if b.gate == gates[0])


def _rule_wrong_gate_count(result: CountResult, k: int) -> int | None:
    # The recurrent layers mixed up: LSTM's four blocks used for a SimpleRNN or a GRU, and an LSTM counted
    # with three blocks like a GRU, each block with one bias row.
    lc = result.layers[k]
    gates = _gates(lc)
    if not _recurrent_blocks(lc) or not gates:
        return None
    one = sum(b.params for b in lc.blocks if b.gate == gates[0] and b.role != "recurrent bias")
    return one * (3 if len(gates) == 4 else 4)


def _rule_pytorch(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if _cell(lc.layer) is None or not _recurrent_blocks(lc):
        return None
    from ..bridges.pytorch import torch_params

    try:
        return torch_params(lc)
    except (SpecError, TypeError, KeyError):  # no PyTorch equivalent for this layer
        return None


def _rule_timesteps(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or lc.params == 0 or any(b.variable == "embeddings" for b in lc.blocks):
        return None
    layer = lc.layer.with_options(name=None)
    again = _recount([layer], (*lc.input_shape[:-1], t))  # T in the place of the width i
    return None if again is None else again.total


def _rule_bidi_not_doubled(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if not isinstance(lc.layer, Bidirectional):
        return None
    again = _recount([lc.layer.layer.with_options(name=None)], lc.input_shape)
    return None if again is None else again.total


def _rule_bidi_width(result: CountResult, k: int) -> int | None:
    # Every earlier concat Bidirectional merged by "sum" instead: same weights, width h, not 2h.
    if result.layers[k].params == 0:
        return None
    summed = _summed_inputs(result)
    if summed[k] is None:
        return None
    return _with_layer_on(result.layers[k].layer, summed[k])


def _rule_width_not_passed_on(result: CountResult, k: int) -> int | None:
    # Posted on Q&A sites for stacked LSTMs ("why has my second LSTM more parameters than the first?"): a later
    # layer counted on the model's input features, as if every layer of the stack read the input.
    lc = result.layers[k]
    first, shape = result.input_shape, lc.input_shape
    if k == 0 or lc.params == 0 or not isinstance(first, tuple) or not isinstance(shape, tuple):
        return None
    if any(b.variable == "embeddings" for x in result.layers[:k] for b in x.blocks):
        return None  # the model reads token ids, not features
    if first[-1] is None or shape[-1] is None or first[-1] == shape[-1]:
        return None
    return _with_layer_on(lc.layer, (*shape[:-1], first[-1]))


_summed_cache: list[Any] = [None, None]  # [result, its summed inputs]: the rule asks once per layer


def _summed_inputs(result: CountResult) -> list[Any]:
    """Each layer's input once every earlier concat Bidirectional merges by "sum" (None: none earlier).

    One pass over the stack for all layers, instead of a recount per layer.
    """
    if _summed_cache[0] is result:
        return _summed_cache[1]
    out: list[Any] = []
    shape: Any = result.input_shape
    changed = False
    for lc in result.layers:
        out.append(shape if changed and not isinstance(shape, list) else None)
        layer = lc.layer
        if isinstance(layer, Bidirectional) and layer.merge_mode == "concat":
            layer = layer.with_options(merge_mode="sum", name=None)
            changed = True
        if isinstance(shape, list):
            shape = lc.output_shape
            continue
        try:
            shape = layer.build(shape).output_shape
        except SpecError:
            out += [None] * (len(result.layers) - len(out))
            break
    _summed_cache[:] = [result, out]
    return out


def _rule_output_weights(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if not _recurrent_blocks(lc) or "h" not in lc.built.symbols:
        return None
    h = lc.built.symbols["h"]
    # The textbook cell's output y_t = W_y h_t + b_y: a Dense(h) on the state, per direction.
    extra = count([Dense(h)], (h,)).total
    return lc.params + lc.built.copies * extra


def _rule_weights_per_timestep(result: CountResult, k: int) -> int | None:
    # The unrolled picture of an RNN read as T copies of the weights. A layer that returns
    # sequences is left to the return_sequences rule, which explains that case.
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or t < 2 or lc.params == 0:
        return None
    cell = _cell(lc.layer)
    if cell is not None and cell.return_sequences:
        return None
    if not any(b.variable.endswith("kernel") for b in lc.blocks):
        return None
    return lc.params * t


def _rule_return_sequences(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or lc.params == 0:
        return None
    cell = _cell(lc.layer)
    if cell is not None:
        # Weights thought to be repeated for every returned timestep.
        return lc.params * t if cell.return_sequences else None
    dense = _dense(lc.layer)
    if (
        dense is None
        or k == 0
        or not any(getattr(_cell(x.layer), "return_sequences", False) for x in result.layers[:k])
    ):
        return None
    # A Dense after return_sequences=True counted as if it saw the whole flattened sequence.
    again = _recount([Flatten(), dense.with_options(name=None)], lc.input_shape)
    return None if again is None else again.total


def _dense_like(lc: LayerCount) -> bool:
    """One kernel (i, o), maybe a bias (o,), and nothing recurrent: a Dense layer's blocks."""
    kernels = [b for b in lc.blocks if b.role == "kernel"]
    return (
        len(kernels) == 1 and kernels[0].symbols == ("i", "o") and all(b.role in ("kernel", "bias") for b in lc.blocks)
    )


def _rule_dense_recurrent(result: CountResult, k: int) -> int | None:
    # Posted on Q&A sites for LSTM > Dense stacks: the Dense counted with the LSTM's g*o*(i + o), as if
    # it were one more recurrent layer of o units (the bias forgotten along the way).
    lc = result.layers[k]
    if not _dense_like(lc) or k == 0:
        return None
    earlier = [x for x in result.layers[:k] if _recurrent_blocks(x)]
    if not earlier:
        return None
    g = len(_gates(earlier[-1])) or 1
    i, o = lc.formula.symbols["i"], lc.formula.symbols["o"]
    return g * o * (i + o)


def _rule_dense_as_recurrent_layer(result: CountResult, k: int) -> int | None:
    # The same Dense head counted as a whole recurrent layer of o units, its bias kept: g*(i*o + o*o + o), e.g.
    # 4*(16*4 + 4*4 + 4) = 336 for a Dense(4) after an LSTM(16).
    lc = result.layers[k]
    if not _dense_like(lc) or k == 0:
        return None
    earlier = [x for x in result.layers[:k] if _recurrent_blocks(x)]
    if not earlier:
        return None
    g = len(_gates(earlier[-1])) or 1
    i, o = lc.formula.symbols["i"], lc.formula.symbols["o"]
    return g * (i * o + o * o + o)


def _one_bias_blocks(lc: LayerCount) -> list[Any]:
    """The bias a student keeps who gives the whole layer one bias vector: the first block's, per direction."""
    gates = _gates(lc)
    return [b for b in lc.blocks if b.role == "bias" and b.gate == gates[0]]


def _rule_one_bias(result: CountResult, k: int) -> int | None:
    # The bias written once for the layer, g*(i*h + h*h) + h, not once per weight block, g*(i*h + h*h + h).
    lc = result.layers[k]
    if not _recurrent_blocks(lc) or len(_gates(lc)) <= 1:
        return None
    bias = sum(b.params for b in lc.blocks if _is_bias(b))
    if not bias:
        return None
    return lc.params - bias + sum(b.params for b in _one_bias_blocks(lc))


def _rule_own_state_only(result: CountResult, k: int) -> int | None:
    # Each unit thought to read only its own previous state (a diagonal recurrent kernel): h weights per block,
    # not h*h. 02's picture of the connections is drawn against it.
    lc = result.layers[k]
    recurrent = [b for b in lc.blocks if b.role == "recurrent kernel"]
    if not _recurrent_blocks(lc) or not all(b.symbols == ("h", "h") for b in recurrent):
        return None
    return lc.params - sum(b.params for b in recurrent) + sum(b.shape[1] for b in recurrent)


def _kernel_without(lc: LayerCount, drop: Callable[[str], bool], roles: tuple[str, ...]) -> int | None:
    """The layer's count with some symbols of its convolution kernels left out (None: no such kernel)."""
    total, changed = 0, False
    for b in lc.blocks:
        if b.role in roles and any(s.startswith("k") for s in b.symbols):
            kept = [n for n, s in zip(b.shape, b.symbols, strict=True) if not drop(s)]
            changed = changed or len(kept) < len(b.shape)
            size = 1
            for n in kept:
                size *= n
            total += size
        else:
            total += b.params
    return total if changed else None


def _rule_conv_channels(result: CountResult, k: int) -> int | None:
    # A filter counted as k (or kh*kw) weights, as if it saw one channel: the input channels i left out.
    lc = result.layers[k]
    if lc.formula.symbols.get("i", 1) == 1:
        return None
    return _kernel_without(lc, lambda s: s in ("i", "i/groups"), ("kernel", "input kernel"))


def _rule_conv_kernel_size(result: CountResult, k: int) -> int | None:
    # A convolution counted like a Dense layer, i*f + f (a ConvLSTM like an LSTM): the kernel size left out.
    lc = result.layers[k]
    return _kernel_without(lc, lambda s: s in ("k", "kh", "kw"), ("kernel", "input kernel", "recurrent kernel"))


def _rule_moving_stats(result: CountResult, k: int) -> int | None:
    # BatchNormalization's moving mean and variance are weights too (non-trainable) and count in the total.
    lc = result.layers[k]
    frozen = sum(b.params for b in lc.blocks if not b.trainable)
    return lc.params - frozen if frozen else None


def _rule_embedding_bias(result: CountResult, k: int) -> int | None:
    # An embedding table read as a Dense layer on one-hot ids: V*d plus a bias of d.
    lc = result.layers[k]
    table = [b for b in lc.blocks if b.variable == "embeddings"]
    if not table:
        return None
    return lc.params + table[0].shape[-1]


# --------------------------------------------------------------------------- the sentences


def _explain_reset_after(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    where = _where(result, c)
    sym = lc.built.symbols
    g, i, h, copies = lc.built.gates, sym.get("i"), sym.get("h"), lc.built.copies
    two = any(b.role == "recurrent bias" for b in lc.blocks)
    wrong = _rule_gru_reset_after(result, k)
    times = f"{copies}*" if copies > 1 else ""
    if _many(c) or wrong is None or i is None or h is None:
        numbers = ""
    elif two:
        numbers = f": {_n(wrong)} = {times}{g}*({i}*{h} + {h}*{h} + {h})"
    else:
        numbers = f": {_n(wrong)} = {times}{g}*({i}*{h} + {h}*{h} + 2*{h})"
    if two:
        extra = "" if _many(c) or h is None else f", and adds {times}g*h = {times}{g}*{h} = {copies * g * h}"
        return (
            f"It looks as if you counted {where} with one bias row, the reset_after=False formula{numbers}; Keras's "
            "GRU has defaulted to reset_after=True since TensorFlow 2.0, which keeps two bias rows (input and "
            f"recurrent){extra}."
        )
    return (
        f"It looks as if you counted {where} with two bias rows, the default reset_after=True formula{numbers}; this "
        "GRU sets reset_after=False, which keeps one bias row."
    )


def _explain_forgot_bias(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    who = _who(result, k)
    if _many(c):
        return (
            f"It looks as if you left out the biases of {_names(result, c.layers)}; with use_bias=True, the default, "
            "every unit of a Dense layer and every weight block of a recurrent layer has a bias."
        )
    sym = lc.formula.symbols
    cell = _cell(lc.layer)
    if cell is not None and _recurrent_blocks(lc):
        g, h = len(_gates(lc)), sym.get("h", sym.get("f"))
        rows = "two bias rows" if any(b.role == "recurrent bias" for b in lc.blocks) else "a bias"
        each = f"each of its {g} weight blocks has" if g > 1 else "its weight block has"
        return (
            f"It looks as if you left out the bias of {who}; with use_bias=True, the default, {each} {rows} "
            f"of h = {h} numbers."
        )
    if _dense_like(lc):
        return f"It looks as if you left out the bias of {who}; a Dense layer adds one bias per unit, o = {sym['o']}."
    biases = [b for b in lc.blocks if _is_bias(b)]
    terms = " + ".join(b.term for b in biases)
    return (
        f"It looks as if you left out the bias of {who}; with use_bias=True, the default, it also holds "
        f"{'a bias' if len(biases) == 1 else f'{len(biases)} bias vectors'} ({terms})."
    )


def _explain_forgot_gates(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    if _many(c):
        return (
            f"It looks as if you counted one weight block in each of {_names(result, c.layers)}; an LSTM has four "
            "and a GRU three, each with its own kernel, recurrent kernel and bias."
        )
    kind = _kind(lc)
    return (
        f"It looks as if you counted one weight block of {_who(result, k)}; {_article(kind)} has g = "
        f"{len(_gates(lc))} weight blocks ({_block_names(lc)}), each with its own kernel, recurrent kernel and bias."
    )


def _explain_wrong_gate_count(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    who = _who(result, k)
    if _many(c):
        return (
            f"It looks as if you mixed up the numbers of weight blocks in {_names(result, c.layers)}; an LSTM has "
            "g = 4, a GRU g = 3 and a SimpleRNN g = 1."
        )
    cell = _cell(lc.layer)
    if isinstance(cell, LSTM):
        return (
            f"It looks as if you counted {who} with three weight blocks, like a GRU; an LSTM has four "
            f"({_BLOCKS['LSTM']})."
        )
    if isinstance(cell, GRU):
        return (
            f"It looks as if you counted {who} with the LSTM's four weight blocks; a GRU has three ({_BLOCKS['GRU']})."
        )
    g = len(_gates(lc))
    if g == 4:
        return f"It looks as if you counted {who} with three weight blocks, like a GRU; it has g = 4."
    if cell is not None and cell.kind == "SimpleRNN":
        return f"It looks as if you counted {who} with the LSTM's four weight blocks; a SimpleRNN has one (g = 1)."
    return f"It looks as if you counted {who} with the LSTM's four weight blocks; it has g = {g}."


def _explain_pytorch(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    if _many(c):
        return (
            f"It looks as if you counted two bias vectors per weight block in {_names(result, c.layers)}, as PyTorch "
            "does (bias_ih and bias_hh); Keras keeps one, except in a GRU with reset_after=True."
        )
    return (
        f"It looks as if you counted two bias vectors per weight block in {_who(result, k)}, as PyTorch does "
        f"(bias_ih and bias_hh); Keras's {_kind(lc)} keeps one."
    )


def _explain_timesteps(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    t = _timesteps(lc)
    if _many(c):
        return (
            f"It looks as if you used the {t} timesteps as the input width i of {_names(result, c.layers)}; i is "
            "the last number of each layer's input shape."
        )
    shape = "the input shape" if len(result.layers) == 1 else f"its input shape {format_shape(lc.input_shape)}"
    return (
        f"It looks as if you used the {t} timesteps as the input width i of {_who(result, k)}; i is the last number "
        f"of {shape}, {lc.formula.symbols.get('i', lc.input_shape[-1])}."
    )


def _explain_bidi_not_doubled(result: CountResult, c: Candidate) -> str:
    if c.variant == "ignored":
        return (
            "It looks as if you left out the Bidirectional wrapper; it holds a forward and a backward copy of "
            "the layer, and with merge_mode='concat' the next layer receives 2h numbers per timestep."
        )
    cell = _cell(result.layers[c.layers[0]].layer)
    inner = cell.kind if cell is not None else "layer"
    return (
        f"It looks as if you counted one direction of {_where(result, c)}; Bidirectional holds a forward and a "
        f"backward copy of the {inner}, so its weights count twice."
    )


def _explain_bidi_width(result: CountResult, c: Candidate) -> str:
    return (
        f"It looks as if {_where(result, c)} received the width of one direction of the Bidirectional before it; "
        "merge_mode='concat' puts the forward and backward outputs side by side, 2h numbers."
    )


def _explain_width_not_passed_on(result: CountResult, c: Candidate) -> str:
    i0 = result.input_shape[-1]
    if _many(c):
        return (
            f"It looks as if you counted {_names(result, c.layers)} on the model's {i0} input features; in a stack "
            "each layer reads the output of the layer before it, so its i is that layer's width."
        )
    k = c.layers[0]
    before = result.layers[k - 1]
    return (
        f"It looks as if you counted {_who(result, k)} on the model's {i0} input features; in a stack each layer "
        f"reads the layer before it, so its i is {before.name}'s output width, {result.layers[k].input_shape[-1]}."
    )


def _explain_output_weights(result: CountResult, c: Candidate) -> str:
    h = result.layers[c.layers[0]].formula.symbols["h"]
    return (
        f"It looks as if you added output weights W_y (h*h + h = {_n(h * h + h)}) inside {_where(result, c)}; a "
        "Keras recurrent layer holds only its kernel, recurrent kernel and bias, and output weights belong to the "
        "next Dense layer."
    )


def _explain_weights_per_timestep(result: CountResult, c: Candidate) -> str:
    t = _timesteps(result.layers[c.layers[0]])
    return (
        f"It looks as if you counted the weights of {_where(result, c)} once for each of the {t} timesteps; the "
        "same weights serve every timestep, so T never multiplies a count."
    )


def _explain_return_sequences(result: CountResult, c: Candidate) -> str:
    lc = result.layers[c.layers[0]]
    t = _timesteps(lc)
    where = _where(result, c)
    if _cell(lc.layer) is not None:
        return (
            f"It looks as if you multiplied the weights of {where} by the {t} timesteps "
            f"{'they return' if _many(c) else 'it returns'}; "
            "return_sequences=True changes the output shape, not the weights."
        )
    w = lc.input_shape[-1]
    return (
        f"It looks as if you counted {where} on the whole flattened sequence of {t} x {w} numbers; a Dense "
        f"layer after return_sequences=True acts on each timestep with the same weights, so its i is {w}."
    )


def _dense_after_recurrent(result: CountResult, k: int) -> tuple[LayerCount, int, int, int]:
    """The recurrent layer before Dense layer ``k``, its number of weight blocks, and the Dense's i and o."""
    earlier = [x for x in result.layers[:k] if _recurrent_blocks(x)][-1]
    symbols = result.layers[k].formula.symbols
    return earlier, len(_gates(earlier)), symbols["i"], symbols["o"]


def _explain_dense_recurrent(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    if _many(c):
        return (
            f"It looks as if you counted the Dense layers {_names(result, c.layers)} with the recurrent formula "
            "g*o*(i + o); a Dense layer has one kernel and one bias, i*o + o, whatever layer comes before it."
        )
    earlier, g, i, o = _dense_after_recurrent(result, k)
    return (
        f"It looks as if you counted {_who(result, k)} with the recurrent formula of the {earlier.type} before it, "
        f"{_n(g * o * (i + o))} = {g}*{o}*({i} + {o}); a Dense layer has no gates and no recurrent kernel: one "
        "kernel and one bias, i*o + o."
    )


def _explain_dense_as_recurrent_layer(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    if _many(c):
        return (
            f"It looks as if you counted the Dense layers {_names(result, c.layers)} as whole recurrent layers, "
            "g*(i*o + o*o + o); a Dense layer has no gates and no recurrent kernel: one kernel and one bias, i*o + o."
        )
    earlier, g, i, o = _dense_after_recurrent(result, k)
    kind = _kind(earlier)
    return (
        f"It looks as if you counted {_who(result, k)} as one more {kind} of {o} units, bias included, "
        f"{_n(g * (i * o + o * o + o))} = {g}*({i}*{o} + {o}*{o} + {o}); a Dense layer has no gates and no recurrent "
        "kernel: one kernel and one bias, i*o + o."
    )


def _explain_one_bias(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    if _many(c):
        return (
            f"It looks as if you gave each of {_names(result, c.layers)} one bias of h numbers; every weight block "
            "of a recurrent layer has its own bias, so a layer holds g*h of them (LSTM g = 4, GRU g = 3)."
        )
    sym = lc.built.symbols
    g, i, h, copies = len(_gates(lc)), sym.get("i"), sym.get("h"), lc.built.copies
    two = any(b.role == "recurrent bias" for b in lc.blocks)
    wrong = _rule_one_bias(result, k)
    numbers = ""
    if wrong is not None and i is not None and h is not None:
        numbers = _worked(wrong, f"{g}*({i}*{h} + {h}*{h}) + {h}", copies)
    rows = " (two rows of h with reset_after=True)" if two else ""
    return (
        f"It looks as if you gave {_who(result, k)} one bias of h = {h} numbers{numbers}; each of its {g} weight "
        f"blocks ({_block_names(lc)}) has its own bias{rows}."
    )


def _explain_own_state_only(result: CountResult, c: Candidate) -> str:
    k = c.layers[0]
    lc = result.layers[k]
    if _many(c):
        return (
            f"It looks as if you counted h recurrent weights per weight block in {_names(result, c.layers)}, as if "
            "each unit read only its own previous state; every unit reads all h numbers of h_(t-1), so each block's "
            "recurrent kernel holds h*h weights."
        )
    sym = lc.built.symbols
    g, i, h, copies = len(_gates(lc)), sym.get("i"), sym.get("h"), lc.built.copies
    rows = sum(1 for b in lc.blocks if _is_bias(b) and b.gate == _gates(lc)[0] and b.direction in (None, "forward"))
    wrong = _rule_own_state_only(result, k)
    numbers = ""
    if wrong is not None and i is not None and h is not None:
        terms = [f"{i}*{h}", f"{h}", *([f"{h}"] if rows == 1 else [f"{rows}*{h}"] if rows else [])]
        inner = " + ".join(terms)
        numbers = _worked(wrong, f"{g}*({inner})" if g > 1 else inner, copies)
    per, each = (" per weight block", "each block's recurrent kernel") if g > 1 else ("", "the recurrent kernel")
    return (
        f"It looks as if you counted the recurrent kernel of {_who(result, k)} as h = {h} weights{per}, as if each "
        f"unit read only its own previous state{numbers}; every unit reads all h numbers of h_(t-1), so {each} "
        "holds h*h weights."
    )


def _explain_conv_channels(result: CountResult, c: Candidate) -> str:
    lc = result.layers[c.layers[0]]
    i = lc.formula.symbols.get("i", lc.formula.symbols.get("i/groups"))
    return (
        f"It looks as if you counted each filter of {_where(result, c)} with one input channel; a filter spans all "
        f"i = {i} channels of its input, so its kernel holds k*i weights, not k."
    )


def _explain_conv_kernel_size(result: CountResult, c: Candidate) -> str:
    if _recurrent_blocks(result.layers[c.layers[0]]):
        return (
            f"It looks as if you counted {_where(result, c)} like an LSTM of f units, g*(i*f + f*f + f); each of its "
            "kernels slides a window of k positions (kh x kw in 2D), so they hold k*i*f and k*f*f weights."
        )
    return (
        f"It looks as if you counted {_where(result, c)} like a Dense layer, i*f + f; each filter slides a window "
        "of k positions, so its kernel holds k*i weights."
    )


def _explain_moving_stats(result: CountResult, c: Candidate) -> str:
    return (
        f"It looks as if you left the moving mean and variance of {_where(result, c)} out; they are not trained, "
        "but they are weights of the layer, and Keras counts them in the total (as non-trainable parameters)."
    )


def _explain_embedding_bias(result: CountResult, c: Candidate) -> str:
    return (
        f"It looks as if you gave {_where(result, c)} a bias; an Embedding layer is a lookup table of V rows of d "
        "numbers, V*d, with no bias."
    )


def _explain_left_out(result: CountResult, c: Candidate) -> str:
    return (
        f"It looks as if you left {_who(result, c.layers[0])} out of the total; the total adds up every layer that "
        "has weights."
    )


# --------------------------------------------------------------------------- the records

M = Misconception

#: Every known mistake, most plausible first, and the other verdicts a question can give.
RECORDS: tuple[Misconception, ...] = (
    M(
        "gru_reset_after",
        "GRU reset_after arithmetic",
        "Keras's GRU has defaulted to reset_after=True since TensorFlow 2.0: two bias rows, g*(i*h + h*h + 2h)",
        "Put the two GRU formulas side by side, g*(i*h + h*h + h) for reset_after=False and g*(i*h + h*h + 2h) "
        "for Keras 3's default reset_after=True, and have students read the setting off the layer before counting.",
        _rule_gru_reset_after,
        _explain_reset_after,
    ),
    M(
        "forgot_bias",
        "forgot the bias",
        "every unit of a Dense layer and every weight block has a bias",
        "Draw one unit with its incoming weights and its bias, and have students say the bias term out loud for "
        "every layer and every gate, since use_bias=True is Keras's default.",
        _rule_forgot_bias,
        _explain_forgot_bias,
    ),
    M(
        "forgot_gates",
        "forgot the weight-block multiplier g",
        "an LSTM has g = 4 weight blocks (three gates and a candidate), a GRU g = 3 (two gates and a candidate)",
        "Draw an LSTM as four small dense layers side by side (i, f, c, o) and a GRU as three (z, r, h), each with "
        "its own kernels and bias, so the multiplier g is visible before the formula is.",
        _rule_forgot_gates,
        _explain_forgot_gates,
    ),
    M(
        "wrong_gate_count",
        "LSTM and GRU weight blocks mixed up",
        "g is 4 for LSTM, 3 for GRU and 1 for SimpleRNN",
        "Keep a three-row table on the board, SimpleRNN g = 1, GRU g = 3, LSTM g = 4, and have students name the "
        "gates before they multiply.",
        _rule_wrong_gate_count,
        _explain_wrong_gate_count,
    ),
    M(
        "pytorch_double_bias",
        "PyTorch's double bias",
        "PyTorch keeps bias_ih and bias_hh; Keras's SimpleRNN, LSTM and reset_after=False GRU keep one",
        "Show a Keras and a PyTorch count of the same layer side by side (rnncount count --framework both): "
        "PyTorch keeps bias_ih and bias_hh, Keras one bias, so every count must say which framework it is for.",
        _rule_pytorch,
        _explain_pytorch,
    ),
    M(
        "timesteps_as_features",
        "timesteps used as features",
        "i is the number of features per timestep (the last dimension); T never enters a count",
        "Write the input as (batch, T, i) and have students circle i, the features per timestep, before counting; "
        "T only says how many times the same weights are applied.",
        _rule_timesteps,
        _explain_timesteps,
    ),
    M(
        "bidirectional_not_doubled",
        "Bidirectional not doubled",
        "Bidirectional holds a forward and a backward copy of the layer: twice the weights",
        "Draw a Bidirectional layer as two copies of the layer, one reading forwards and one backwards, each with "
        "its own weights: count one copy, then double it.",
        _rule_bidi_not_doubled,
        _explain_bidi_not_doubled,
    ),
    M(
        "bidirectional_width",
        "Bidirectional width not passed on",
        "with merge_mode='concat' the next layer receives 2h features, not h",
        "Have students write the shape after every layer: with merge_mode='concat' a Bidirectional joins both "
        "directions into 2h features, and that is the next layer's input width i.",
        _rule_bidi_width,
        _explain_bidi_width,
    ),
    M(
        "width_not_passed_on",
        "the input width not passed on",
        "in a stack each layer's i is the output width of the layer before it, not the model's input features",
        "Have students write the shape after every layer down the stack before any formula, and read each layer's "
        "i off the line above it: only the first layer reads the model's input features.",
        _rule_width_not_passed_on,
        _explain_width_not_passed_on,
    ),
    M(
        "output_weights",
        "output weights counted inside the recurrent layer",
        "a Keras recurrent layer holds kernel, recurrent_kernel and bias only; W_y belongs to the next Dense",
        "Contrast the textbook cell's output matrix W_y with a Keras recurrent layer, whose only weights are "
        "kernel, recurrent_kernel and bias, and let students list a layer's weight arrays in Keras themselves.",
        _rule_output_weights,
        _explain_output_weights,
    ),
    M(
        "weights_per_timestep",
        "weights counted once per timestep",
        "the same weights serve every timestep (weight sharing); T never multiplies a count",
        "Unroll an RNN over three timesteps with the shared weights drawn in one colour, so students see one set "
        "of weights reused at every step rather than T copies.",
        _rule_weights_per_timestep,
        _explain_weights_per_timestep,
    ),
    M(
        "return_sequences",
        "return_sequences thought to change the count",
        "return_sequences changes the output shape only; the same weights serve every timestep",
        "Build the same layer with return_sequences=True and with False and compare the two summaries: the "
        "output shapes differ, the parameter counts do not.",
        _rule_return_sequences,
        _explain_return_sequences,
    ),
    M(
        "dense_recurrent_formula",
        "a Dense layer counted with the recurrent formula",
        "a Dense layer has one kernel and one bias, i*o + o, even after an LSTM or a GRU",
        "Write each layer's formula beside its name before any number, i*o + o for every Dense and g*(i*h + h*h + h) "
        "only for the recurrent layers, so the Dense head after an LSTM is not counted as one more LSTM.",
        _rule_dense_recurrent,
        _explain_dense_recurrent,
    ),
    M(
        "dense_as_recurrent_layer",
        "a Dense layer counted as a whole recurrent layer",
        "a Dense layer has one kernel and one bias, i*o + o, not the g*(i*o + o*o + o) of an LSTM or GRU of o units",
        "Put a Dense layer's two weight arrays (kernel, bias) beside an LSTM's three (kernel, recurrent kernel, bias, "
        "each cut into four blocks), so students see that the head after an LSTM has no gates and no recurrence.",
        _rule_dense_as_recurrent_layer,
        _explain_dense_as_recurrent_layer,
    ),
    M(
        "one_bias_per_layer",
        "one bias for the whole recurrent layer",
        "each of the g weight blocks has its own bias of h numbers: g*(i*h + h*h + h), not g*(i*h + h*h) + h",
        "Expand g*(i*h + h*h + h) into its g blocks on the board, each a small dense layer with its own bias "
        "vector, and have students point at the four bias vectors of an LSTM's (4h,) bias array.",
        _rule_one_bias,
        _explain_one_bias,
    ),
    M(
        "own_state_only",
        "each unit fed only its own previous state",
        "every unit reads the previous state of all h units: each weight block's recurrent kernel is h*h, not h",
        "Draw three units at two timesteps with every line from h_(t-1) to h_t, as notebook 02 does, and count the "
        "lines: h*h, since each unit reads the whole previous state and not only its own.",
        _rule_own_state_only,
        _explain_own_state_only,
    ),
    M(
        "conv_input_channels",
        "convolution filters counted on one channel",
        "each filter spans all input channels: a Conv1D has k*i*f + f weights",
        "Draw one Conv1D filter as a k x i block that covers every input channel, and have students write its "
        "shape (k, i) before multiplying by the f filters.",
        _rule_conv_channels,
        _explain_conv_channels,
    ),
    M(
        "conv_kernel_size",
        "convolution counted like a Dense layer",
        "a convolution's kernel has k positions: k*i*f + f, not i*f + f",
        "Slide a Conv1D window of k positions along a drawn sequence and count the weights one filter applies at "
        "one position, k*i, before multiplying by the f filters.",
        _rule_conv_kernel_size,
        _explain_conv_kernel_size,
    ),
    M(
        "moving_statistics",
        "moving mean and variance left out",
        "BatchNormalization keeps 4c numbers: gamma and beta (trainable), moving mean and variance (non-trainable)",
        "Show model.summary() of a BatchNormalization layer, with its Trainable and Non-trainable lines, and list "
        "its four vectors of c numbers: gamma, beta, moving mean and moving variance.",
        _rule_moving_stats,
        _explain_moving_stats,
    ),
    M(
        "embedding_bias",
        "an Embedding counted with a bias",
        "an Embedding is a lookup table, V*d, with no bias",
        "Show that an Embedding looks up one row of its (V, d) table per token id, and compare it with a Dense "
        "layer on one-hot vectors, which would add a bias the Embedding does not have.",
        _rule_embedding_bias,
        _explain_embedding_bias,
    ),
    M(
        "return_sequences_shape",
        "return_sequences misread",
        "return_sequences=True gives (None, T, h), every timestep; False gives (None, h), the last one",
        "Have students write the output shape after each recurrent layer: (None, T, h) when it returns every "
        "timestep, (None, h) when it returns only the last.",
    ),
    M(
        "left_out_layer",
        "a layer left out of the total",
        "the total adds up every layer that has weights, the Dense head included",
        "Have students write the total as a sum with one named term per layer, so that no layer, most often the "
        "Dense head, drops out of it.",
        None,
        _explain_left_out,
    ),
    M(
        "close_miss",
        "close miss",
        "the method looks right; an arithmetic slip",
        "The method is right, so practise care: have students write every term with its numbers before "
        "multiplying, and check their total with rnncount check.",
    ),
    M(
        "unknown",
        "no known mistake",
        "no common mistake gives this number",
        "These numbers match no known mistake: ask the students to show their working layer by layer, and a "
        "short conversation will tell you what they did.",
    ),
    # The other kinds of question.
    M(
        "wrong_choice",
        "another option",
        "the option chosen is not the one that holds",
        "Ask students to justify each option with a one-line count before choosing, so a choice rests on the "
        "formula rather than on a guess about which option sounds right.",
    ),
    M(
        "wrong_value",
        "a value that does not give the count",
        "this value gives another count",
        "Have students substitute their value back into the layer's formula and compare with the given count, "
        "so an inverse question is checked the same way a forward one is.",
    ),
    M(
        "requirement_unmet",
        "a requirement not met",
        "the design misses one of the requirements",
        "Before students design a layer, have them write each requirement as an inequality on the count or the "
        "shape, and tick every one against their design's count.",
    ),
    M(
        "wrong_order",
        "out of order",
        "two of the items are the wrong way round",
        "Have students write each layer's dominant term (g*h*h or g*i*h) beside it before ordering, so the "
        "ranking comes from the multiplier g and the sizes, not from the layer's name.",
    ),
)
del M

BY_KEY: dict[str, Misconception] = {m.key: m for m in RECORDS}


def explain(result: CountResult, c: Candidate) -> str:
    """The checker's sentence for a candidate: what the student seems to have done, with their numbers."""
    record = BY_KEY[c.key]
    if record.explain is None:  # pragma: no cover - every computed mistake has a sentence (a test checks it)
        return record.summary
    return record.explain(result, c)


__all__ = ["BY_KEY", "RECORDS", "Candidate", "Misconception", "explain"]
