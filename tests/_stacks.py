"""A seeded generator of random valid (and deliberately invalid) stacks for the Keras grid."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import rnncount
from rnncount import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    SimpleRNN,
    TimeDistributed,
)
from rnncount.core import layers as L

MERGE_MODES = ["concat", "sum", "mul", "ave"]


@dataclass
class Case:
    layers: list[Layer]
    input_shape: tuple

    @property
    def spec(self) -> str:
        return rnncount.format_spec(self.layers)

    def __repr__(self) -> str:
        return f"count({self.spec!r}, {self.input_shape!r})"


def _recurrent(rng: random.Random, return_sequences: bool, last: bool) -> Layer:
    kind = rng.choice([SimpleRNN, LSTM, GRU])
    kwargs = {
        "units": rng.randint(1, 24),
        "use_bias": rng.random() > 0.2,
        "return_sequences": return_sequences,
    }
    if kind is GRU:
        kwargs["reset_after"] = rng.random() > 0.4
    if last and rng.random() < 0.1:
        kwargs["return_state"] = True
    return kind(**kwargs)


#: The share of random stacks drawn with the layers around recurrent ones (the rest: Dense,
#: Embedding, recurrent layers, Bidirectional, TimeDistributed(Dense), ...).
MIXED_SHARE = 0.86


def random_grid_case(rng: random.Random) -> Case:
    """A valid stack for the Keras grid: the course's first layers, or (mostly) the layers around them."""
    if rng.random() < MIXED_SHARE:
        return random_mixed_case(rng)
    return random_case(rng)


def random_case(rng: random.Random) -> Case:
    """A valid stack of 1-6 of the course's first layers; every option appears across many draws."""
    n_layers = rng.randint(1, 6)
    start = rng.random()
    layers: list[Layer] = []
    if start < 0.2:
        input_shape: tuple = (rng.choice([None, rng.randint(1, 20)]),)
        layers.append(Embedding(rng.randint(2, 300), rng.randint(1, 16)))
        rank = 3
        timesteps = input_shape[0]
    elif start < 0.3:
        input_shape = (rng.randint(1, 30),)
        rank = 2
        timesteps = None
    else:
        timesteps = None if rng.random() < 0.2 else rng.randint(1, 20)
        input_shape = (timesteps, rng.randint(1, 24))
        rank = 3
    while len(layers) < n_layers:
        last = len(layers) == n_layers - 1
        if rank == 3:
            choice = rng.choices(
                ["rnn", "bidi", "td", "dense", "dropout", "flatten"],
                weights=[6, 3, 1.5, 1.5, 1, 1 if timesteps is not None else 0],
            )[0]
            if choice == "rnn":
                seq = rng.random() < (0.3 if last else 0.6)
                layers.append(_recurrent(rng, seq, last))
                rank = 3 if seq else 2
            elif choice == "bidi":
                seq = rng.random() < (0.3 if last else 0.6)
                inner = _recurrent(rng, seq, last=False)
                modes = [*MERGE_MODES, None] if last else MERGE_MODES
                layers.append(Bidirectional(inner, merge_mode=rng.choice(modes)))
                rank = 3 if seq else 2
            elif choice == "td":
                layers.append(TimeDistributed(Dense(rng.randint(1, 20), use_bias=rng.random() > 0.2)))
            elif choice == "dense":
                layers.append(Dense(rng.randint(1, 20), use_bias=rng.random() > 0.2))
            elif choice == "dropout":
                layers.append(Dropout(rng.choice([0.0, 0.1, 0.5])))
            else:
                layers.append(Flatten())
                rank = 2
        else:
            choice = rng.choices(["dense", "dropout", "repeat"], weights=[5, 1, 2])[0]
            if choice == "dense":
                layers.append(Dense(rng.randint(1, 20), use_bias=rng.random() > 0.2))
            elif choice == "dropout":
                layers.append(Dropout(0.25))
            else:
                timesteps = rng.randint(1, 10)
                layers.append(RepeatVector(timesteps))
                rank = 3
    return Case(layers, input_shape)


def invalid_case(rng: random.Random) -> Case:
    """A stack that cannot work: a recurrent layer fed a vector, or RepeatVector fed a sequence."""
    kind = rng.randrange(3)
    features = rng.randint(1, 20)
    t = rng.randint(1, 20)
    if kind == 0:  # recurrent after a recurrent layer that returns only its last output
        return Case([_recurrent(rng, False, False), _recurrent(rng, False, False)], (t, features))
    if kind == 1:  # recurrent after Dense on a vector
        return Case([Dense(rng.randint(1, 9)), _recurrent(rng, False, False)], (features,))
    return Case([_recurrent(rng, True, False), RepeatVector(3)], (t, features))


# ---------------------------------------------------------------------------------------------
# Stacks mixing the layers tutorials put around recurrent layers: convolutions, pooling,
# normalisation, attention, merges, reshapes, RNN(cell), Bidirectional with its own backward
# layer, masks and frozen layers. Each candidate layer is kept only if the engine can build it
# on the shape so far, so every case is a stack Keras must build too (the grid checks it does).

NEW_KINDS = {
    "Conv1D", "Conv2D", "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "BatchNormalization",
    "LayerNormalization", "MultiHeadAttention", "Attention", "AdditiveAttention", "Concatenate", "Add",
    "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Reshape", "Permute", "Masking",
    "SpatialDropout1D", "GaussianNoise", "Activation", "RNN",
}  # fmt: skip


def kinds_in(layer: Layer) -> set[str]:
    """The layer's kind and those of the layers it wraps."""
    found = {layer.kind}
    for attr in ("layer", "backward_layer", "cell"):
        inner = getattr(layer, attr, None)
        if isinstance(inner, Layer):
            found |= kinds_in(inner)
    return found


def has_new_layer(case: Case) -> bool:
    return any(kinds_in(layer) & NEW_KINDS or _is_new_bidi(layer) for layer in case.layers)


def _is_new_bidi(layer: Layer) -> bool:
    return isinstance(layer, Bidirectional) and (layer.backward_layer is not None or layer.return_state)


def _maybe_frozen(rng: random.Random, layer: Layer) -> Layer:
    if rng.random() < 0.08:
        layer.extra["trainable"] = False
    return layer


def _cell(rng: random.Random) -> Layer:
    kind = rng.choice([L.SimpleRNNCell, L.LSTMCell, L.GRUCell])
    kwargs = {"use_bias": rng.random() > 0.2}
    if kind is L.GRUCell:
        kwargs["reset_after"] = rng.random() > 0.4
    return kind(rng.randint(1, 8), **kwargs)


def _rnn_like(rng: random.Random, seq: bool, state: bool) -> Layer:
    if rng.random() < 0.35:
        cell = L.StackedRNNCells([_cell(rng) for _ in range(rng.randint(2, 3))]) if rng.random() < 0.4 else _cell(rng)
        return L.RNN(cell, return_sequences=seq, return_state=state)
    layer = _recurrent(rng, seq, last=False)
    return layer.with_options(return_state=state)


def _with_units(layer: Layer, units: int) -> Layer:
    if isinstance(layer, L.RNN):
        cells = layer.cells
        last = dataclasses.replace(cells[-1], units=units)
        cell = L.StackedRNNCells([*cells[:-1], last]) if len(cells) > 1 else last
        return dataclasses.replace(layer, cell=cell, extra={})
    return dataclasses.replace(layer, units=units, extra={})


def _bidirectional(rng: random.Random, seq: bool, state: bool, last: bool) -> Layer:
    forward = _rnn_like(rng, seq, state)
    backward = None
    if rng.random() < 0.6:
        if state:
            # With return_state, Keras's symbolic output shapes list the forward layer's states twice,
            # so a backward layer of another kind only differs in its units' options here.
            backward = dataclasses.replace(forward, extra={})
        else:
            # Its own kind and options, but the forward layer's width: Keras's symbolic shapes assume
            # both directions are as wide (a narrower backward layer builds the next layer wrongly).
            backward = _with_units(_rnn_like(rng, seq, state), forward.units)
        backward.extra["go_backwards"] = True
    modes = [*MERGE_MODES, None] if last or state else MERGE_MODES
    return Bidirectional(forward, merge_mode=rng.choice(modes), backward_layer=backward)


def _pair(rng: random.Random, kind: type, rank: int) -> tuple:
    return (rng.randint(1, 3),) * rank if rng.random() < 0.5 else tuple(rng.randint(1, 3) for _ in range(rank))


def _conv(rng: random.Random, kind: type) -> Layer:
    rank = kind.rank
    strided = rng.random() < 0.3
    kwargs = {
        "strides": rng.randint(2, 3) if strided else 1,
        "padding": rng.choice(kind.paddings),
        "dilation_rate": 1 if strided or rng.random() < 0.6 else rng.randint(2, 3),
        "use_bias": rng.random() > 0.2,
    }
    groups = rng.choice([1, 1, 1, 2])
    filters = rng.randint(1, 6) * groups
    kernel = rng.randint(1, 4) if rank == 1 or rng.random() < 0.5 else _pair(rng, kind, rank)
    return kind(filters, kernel, groups=groups, **kwargs)


def _pool(rng: random.Random, kind: type) -> Layer:
    return kind(
        pool_size=rng.randint(1, 3),
        strides=rng.choice([None, 1, 2]),
        padding=rng.choice(["valid", "same"]),
    )


def _candidates(rng: random.Random, shape, last: bool) -> Layer:
    """One layer that might fit after ``shape`` (the generator keeps it if the engine builds it)."""
    if isinstance(shape, list):
        kind = rng.choice(["concat", "add", "mul", "ave", "max", "min", "sub", "att", "mha"])
        return {
            "concat": lambda: L.Concatenate(axis=rng.choice([-1, -1, 1])),
            "add": L.Add,
            "mul": L.Multiply,
            "ave": L.Average,
            "max": L.Maximum,
            "min": L.Minimum,
            "sub": L.Subtract,
            "att": lambda: L.Attention(use_scale=rng.random() < 0.5),
            "mha": lambda: L.MultiHeadAttention(rng.randint(1, 3), rng.randint(1, 4)),
        }[kind]()
    rank = len(shape)
    state = rng.random() < 0.3
    if rank == 5:
        inner = rng.choice(
            [
                lambda: _conv(rng, L.Conv2D),
                lambda: _pool(rng, L.MaxPooling2D),
                lambda: _pool(rng, L.AveragePooling2D),
                L.GlobalAveragePooling2D,
                L.Flatten,
            ]
        )()
        return TimeDistributed(inner)
    if rank == 2:
        kind = rng.choices(
            ["dense", "bn", "ln", "act", "noise", "reshape", "repeat", "dropout"], weights=[4, 2, 2, 1, 1, 1, 1, 1]
        )[0]
        width = shape[-1]
        return {
            "dense": lambda: Dense(rng.randint(1, 12), use_bias=rng.random() > 0.2),
            "bn": lambda: L.BatchNormalization(center=rng.random() > 0.2, scale=rng.random() > 0.2),
            "ln": lambda: L.LayerNormalization(center=rng.random() > 0.2, scale=rng.random() > 0.2),
            "act": lambda: L.Activation(rng.choice(["relu", "tanh", "sigmoid"])),
            "noise": lambda: L.GaussianNoise(0.1),
            "reshape": lambda: L.Reshape((width, 1) if rng.random() < 0.5 else (-1, 1)),
            "repeat": lambda: RepeatVector(rng.randint(1, 6)),
            "dropout": lambda: Dropout(0.2),
        }[kind]()
    seq = rng.random() < (0.3 if last else 0.6)
    kind = rng.choices(
        ["conv", "pool", "gpool", "bn", "ln", "mha", "att", "addatt", "rnn", "bidi", "td", "mask", "sdrop", "noise",
         "act", "permute", "reshape", "dense", "flatten"],
        weights=[5, 2, 2, 2, 2, 2, 1, 1, 4, 3, 2, 1, 1, 0.5, 0.5, 0.5, 0.5, 1, 0.5],
    )[0]  # fmt: skip
    return {
        "conv": lambda: _conv(rng, L.Conv1D),
        "pool": lambda: _pool(rng, rng.choice([L.MaxPooling1D, L.AveragePooling1D])),
        "gpool": lambda: rng.choice([L.GlobalMaxPooling1D, L.GlobalAveragePooling1D])(keepdims=rng.random() < 0.2),
        "bn": lambda: L.BatchNormalization(center=rng.random() > 0.2, scale=rng.random() > 0.2),
        "ln": lambda: L.LayerNormalization(center=rng.random() > 0.2, scale=rng.random() > 0.2),
        "mha": lambda: L.MultiHeadAttention(
            rng.randint(1, 3),
            rng.randint(1, 5),
            value_dim=rng.choice([None, rng.randint(1, 5)]),
            use_bias=rng.random() > 0.2,
            output_shape=rng.choice([None, None, rng.randint(1, 6)]),
        ),
        "att": lambda: L.Attention(use_scale=rng.random() < 0.5, score_mode=rng.choice(["dot", "concat"])),
        "addatt": lambda: L.AdditiveAttention(use_scale=rng.random() < 0.7),
        "rnn": lambda: _rnn_like(rng, seq, state),
        "bidi": lambda: _bidirectional(rng, seq, state and rng.random() < 0.5, last),
        "td": lambda: TimeDistributed(
            rng.choice([lambda: Dense(rng.randint(1, 8)), L.LayerNormalization, lambda: L.Activation("relu")])()
        ),
        "mask": lambda: L.Masking(0.0),
        "sdrop": lambda: L.SpatialDropout1D(0.2),
        "noise": lambda: L.GaussianNoise(0.05),
        "act": lambda: L.Activation("relu"),
        "permute": lambda: L.Permute((2, 1)),
        "reshape": lambda: L.Reshape((-1, shape[-1])),
        "dense": lambda: Dense(rng.randint(1, 12)),
        "flatten": Flatten,
    }[kind]()


def _fits(layer: Layer, shape) -> object | None:
    try:
        built = layer.build_many(shape) if isinstance(shape, list) else layer.build(shape)
    except rnncount.SpecError:
        return None
    return built


def random_mixed_case(rng: random.Random) -> Case:
    """A valid stack of 2-6 layers with at least one of the layers around recurrent ones."""
    start = rng.random()
    layers: list[Layer] = []
    if start < 0.2:
        input_shape: tuple = (rng.choice([None, rng.randint(2, 20)]),)
        emb = Embedding(rng.randint(2, 300), rng.randint(1, 12))
        if rng.random() < 0.5:
            emb.extra["mask_zero"] = True
        layers.append(_maybe_frozen(rng, emb))
    elif start < 0.3:
        input_shape = (rng.randint(2, 12), rng.randint(4, 9), rng.randint(4, 9), rng.randint(1, 3))  # frames
    else:
        input_shape = (None if rng.random() < 0.15 else rng.randint(2, 24), rng.randint(1, 16))
    shape = (None, *input_shape)
    if layers:
        shape = layers[0].build(shape).output_shape
    n_layers = rng.randint(2, 6)
    tries = 0
    while len(layers) < n_layers and tries < 60:
        tries += 1
        last = len(layers) == n_layers - 1
        try:
            layer = _candidates(rng, shape, last)
        except rnncount.SpecError:
            continue
        built = _fits(layer, shape)
        if built is None or (last and isinstance(built.output_shape, list) and rng.random() < 0.5):
            continue
        layers.append(_maybe_frozen(rng, layer) if built.params else layer)
        shape = built.output_shape
    case = Case(layers, input_shape)
    return case if has_new_layer(case) else random_mixed_case(rng)
