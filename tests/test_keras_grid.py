"""The engine against real Keras 3 over a wide seeded grid of random stacks.

For each stack, every layer's count, output shape and weight-variable shapes must
equal what Keras builds, and the formula's numbers must evaluate to the count.
"""

from __future__ import annotations

import ast
import math
import operator
import random

import pytest
from _stacks import NEW_KINDS, has_new_layer, invalid_case, kinds_in, random_grid_case

import rnncount
from rnncount.bridges.keras import build_model, keras, keras_layer

CASES_PER_CHUNK = 60
CHUNKS = 20  # 1,200 random stacks in all, over 1,000 of them with the layers around recurrent ones

pytestmark = pytest.mark.keras

_OPS = {ast.Add: operator.add, ast.Mult: operator.mul}


def evaluate(expr: str) -> int:
    """Evaluate a formula's numbers ('4*(5*4 + 4*4 + 4)') with + and * only."""

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        raise AssertionError(f"unexpected formula syntax: {ast.dump(node)}")

    return walk(ast.parse(expr, mode="eval"))


def _keras_layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _shape(out):
    # Nested for StackedRNNCells' states: (output, [h, c], h); flat in rnncount.
    shapes = [tuple(t.shape) for t in keras().tree.flatten(out)]
    return shapes[0] if len(shapes) == 1 else shapes


def _size(weights) -> int:
    return sum(math.prod(tuple(w.shape)) for w in weights)


def check_case(case) -> None:
    result = rnncount.count(case.layers, case.input_shape)
    # The spec string round-trips through the parser.
    assert rnncount.count(case.spec, case.input_shape).to_dict() == result.to_dict(), case
    model = build_model(result, zeros=True)
    klayers = _keras_layers(model)
    assert len(klayers) == len(result.layers), case
    for lc, kl in zip(result.layers, klayers, strict=True):
        assert lc.params == kl.count_params(), (case, lc.name)
        assert lc.trainable_params == _size(kl.trainable_weights), (case, lc.name)
        assert lc.non_trainable_params == _size(kl.non_trainable_weights), (case, lc.name)
        assert sum(b.params for b in lc.blocks) == lc.params, (case, lc.name)
        assert lc.output_shape == _shape(kl.output), (case, lc.name)
        assert [shape for _, shape in lc.weights] == [tuple(w.shape) for w in kl.weights], (case, lc.name)
        if lc.params:
            assert evaluate(lc.formula.numbers) == lc.params, (case, lc.formula.text)
    assert result.total == model.count_params() == sum(lc.params for lc in result.layers), case


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_stacks_match_keras(chunk):
    rng = random.Random(1000 + chunk)
    for _ in range(CASES_PER_CHUNK):
        check_case(random_grid_case(rng))
    keras().backend.clear_session()


def test_grid_covers_every_layer_type_and_option():
    seen: set[str] = set()
    with_new_layers = 0
    for chunk in range(CHUNKS):
        rng = random.Random(1000 + chunk)
        for _ in range(CASES_PER_CHUNK):
            case = random_grid_case(rng)
            with_new_layers += has_new_layer(case)
            for layer in case.layers:
                inner = getattr(layer, "layer", layer)
                seen.add(layer.type_name)
                seen |= kinds_in(layer)
                if getattr(layer, "merge_mode", "-") != "-":
                    seen.add(f"merge_mode={layer.merge_mode}")
                if getattr(inner, "use_bias", True) is False:
                    seen.add(f"{inner.kind} use_bias=False")
                if getattr(inner, "return_sequences", False):
                    seen.add("return_sequences")
                if getattr(inner, "return_state", False):
                    seen.add("return_state")
                if isinstance(inner, rnncount.GRU):
                    seen.add(f"GRU reset_after={inner.reset_after}")
                if getattr(layer, "backward_layer", None) is not None:
                    seen.add("backward_layer")
                    if layer.return_state:
                        seen.add("backward_layer with return_state")
                if layer.extra.get("trainable") is False:
                    seen.add("trainable=False")
                if layer.extra.get("mask_zero"):
                    seen.add("mask_zero=True")
                if isinstance(layer, rnncount.TimeDistributed):
                    seen.add(f"TimeDistributed({inner.kind})")
                for option in ("padding", "score_mode"):
                    if hasattr(layer, option):
                        seen.add(f"{layer.kind} {option}={getattr(layer, option)}")
            if case.input_shape[0] is None:
                seen.add("timesteps=None")
            seen.add(f"depth={len(case.layers)}")
    wanted = {
        "Dense", "Embedding", "Flatten", "Dropout", "RepeatVector", "SimpleRNN", "LSTM", "GRU",
        "Bidirectional(SimpleRNN)", "Bidirectional(LSTM)", "Bidirectional(GRU)", "TimeDistributed(Dense)",
        "merge_mode=concat", "merge_mode=sum", "merge_mode=mul", "merge_mode=ave", "merge_mode=None",
        "GRU reset_after=True", "GRU reset_after=False", "Dense use_bias=False", "LSTM use_bias=False",
        "GRU use_bias=False", "SimpleRNN use_bias=False", "return_sequences", "return_state", "timesteps=None",
        *(f"depth={d}" for d in range(1, 7)),
        # The layers around recurrent ones, and the ways they are called.
        *NEW_KINDS, "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "GlobalMaxPooling1D",
        "backward_layer", "backward_layer with return_state", "trainable=False", "mask_zero=True",
        "TimeDistributed(Conv2D)", "TimeDistributed(MaxPooling2D)", "TimeDistributed(LayerNormalization)",
        "Conv1D padding=valid", "Conv1D padding=same", "Conv1D padding=causal", "Conv1D use_bias=False",
        "MultiHeadAttention use_bias=False", "Attention score_mode=concat", "MaxPooling1D padding=same",
    }  # fmt: skip
    assert wanted <= seen, wanted - seen
    assert with_new_layers >= 1000, with_new_layers


def test_impossible_stacks_fail_in_keras_too():
    rng = random.Random(7)
    k = keras()
    for _ in range(30):
        case = invalid_case(rng)
        with pytest.raises(rnncount.SpecError):
            rnncount.count(case.layers, case.input_shape)
        with pytest.raises(ValueError):
            layers = [keras_layer(layer, f"l{i}") for i, layer in enumerate(case.layers)]
            k.Sequential([k.Input(shape=case.input_shape), *layers])
    k.backend.clear_session()
