"""A seeded generator of random valid (and deliberately invalid) stacks for the Keras grid."""

from __future__ import annotations

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


def random_case(rng: random.Random) -> Case:
    """A valid stack of 1-6 layers; every layer type and option appears across many draws."""
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
