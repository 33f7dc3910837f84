"""The explorer: one drawing followed through the network, and one step of learning on it.

``explain`` runs ``network.forward`` and ``network.backward`` on one input X (784, 1) and returns
every intermediate value the page shows, by the README's names: Z1 = W1 X + b1 (and W1 X and b1
apart, so that a unit's sum can be shown adding up), A1 = ReLU(Z1), Z2 = W2 A1 + b2, the softmax's
exponentials E = exp(Z2 - max Z2) and their sum, A2 = E / sum(E); then for the label y the learner
gives, the loss -log A2[y] and the gradients. With one example (m = 1) the sums over examples
have a single term, so db2 = dZ2 and db1 = dZ1: the page shows dZ2 and dZ1 from them.

The explorer computes on a float64 copy of the page's network, so that its numbers (and the
gradient check) hold about 15 significant digits; the page's network itself runs in float32.
``step`` applies ``training.gradient_step`` (no momentum: W := W - lr dW) on this one example to
the copy, remembering the copy before it so that ``undo`` restores it exactly. Arrays are returned
as 1-D NumPy arrays, which reach JavaScript as typed arrays (Float64Array, Int32Array).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np

from .. import gradcheck, network, training
from ..network import Params
from .messages import Explanation, ExplorerState, GradientCheck, SlopeResult, StepResult
from .page import Model

TOP_UNITS = 12  # hidden units the page shows by name, each with its weight picture
MAX_UNDO = 20  # steps that Undo can take back (each keeps a copy of the network)
MAX_LR = 100.0


def as_float64(params: Params) -> Params:
    """A float64 copy of the parameters (a new array for each, whatever their dtype)."""
    return {name: P.astype(np.float64) for name, P in params.items()}


@dataclass
class Explorer:
    """The explorer's network: the page's current one, or a copy the learner stepped."""

    base: Model | None = None  # the page's network the copy came from
    stepped: Params | None = None  # the copy after the learner's steps; None: no step taken
    previous: list[Params] = field(default_factory=list)  # the copy before each step, newest last
    steps: int = 0

    def params(self, model: Model) -> Params:
        """The float64 network to compute with. A new page network starts the explorer afresh;
        until a step is taken the copy follows the page's network (also while it trains)."""
        if model is not self.base:
            self.reset(model)
        return self.stepped if self.stepped is not None else as_float64(model.params)

    def reset(self, model: Model) -> ExplorerState:
        """Back to the page's network: forget every step."""
        self.base, self.stepped, self.previous, self.steps = model, None, [], 0
        return self.state()

    def undo(self, model: Model) -> ExplorerState:
        """The copy as it was before the last step (exactly: the same arrays)."""
        self.params(model)
        if self.previous:
            self.stepped = self.previous.pop()
            self.steps -= 1
            if self.steps == 0:
                self.stepped = None  # follow the page's network again
        return self.state()

    def state(self) -> ExplorerState:
        return {
            "model": self.base.name if self.base else None,
            "steps": self.steps,
            "can_undo": bool(self.previous),
        }


def input_column(pixels: Any) -> np.ndarray:
    """784 values in [0, 1] (the 28x28 input, row by row) -> X (784, 1) float64."""
    X = np.asarray(pixels, dtype=np.float64).reshape(-1, 1)
    if X.shape[0] != network.N_INPUTS:
        raise ValueError(f"the input must have {network.N_INPUTS} pixels (28 x 28), got {X.shape[0]}")
    if not np.all(np.isfinite(X)) or X.min() < 0 or X.max() > 1:
        raise ValueError("the input's pixels must be numbers from 0 to 1")
    return X


def check_label(label: Any) -> int:
    if isinstance(label, bool) or not isinstance(label, int | float) or label not in range(network.N_CLASSES):
        raise ValueError(f"the digit must be one of 0-9, got {label!r}")
    return int(label)


def explain(explorer: Explorer, model: Model, pixels: Any, label: int | None = None) -> Explanation:
    """Forward and backward on one input; ``label``: the digit it is (None: the network's answer)."""
    started = time.perf_counter()
    X = input_column(pixels)
    values = explanation(explorer.params(model), X, label)
    return cast(Explanation, {**values, **explorer.state(), "python_ms": (time.perf_counter() - started) * 1000})


def explanation(params: Params, X: np.ndarray, label: int | None) -> dict[str, Any]:
    """The values of forward and backward on X (784, 1) for the label (None: the network's answer)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    cache = network.forward(params, X)
    Z1, A1, Z2, A2 = (values[:, 0] for values in cache)
    digit = int(np.argmax(A2))
    y = digit if label is None else check_label(label)
    Y = np.array([y])
    grads = network.backward(params, X, Y, cache)
    dZ1 = grads["b1"][:, 0]  # db1 = dZ1 for one example
    E = np.exp(Z2 - Z2.max())
    order = np.argsort(-Z1, kind="stable").astype(np.int32)  # most excited unit first
    gradient_order = np.argsort(-np.abs(dZ1), kind="stable").astype(np.int32)  # largest |dZ1| first
    return {
        "hidden": int(W1.shape[0]),
        "X": X[:, 0],
        "W1X": (W1 @ X)[:, 0],
        "b1": b1[:, 0],
        "Z1": Z1,
        "A1": A1,
        "off": int(np.sum(Z1 <= 0)),
        "order": order,
        "W1_top": W1[order[:TOP_UNITS]].ravel(),
        "W2A1": (W2 @ cache.A1)[:, 0],
        "b2": b2[:, 0],
        "Z2": Z2,
        "Z2_max": float(Z2.max()),
        "Z2_shifted": Z2 - Z2.max(),
        "E": E,
        "E_sum": float(E.sum()),
        "A2": A2,
        "digit": digit,
        "label": y,
        "loss": network.cross_entropy(cache.A2, Y),
        "dZ2": grads["b2"][:, 0],  # db2 = dZ2 for one example
        "dW2": grads["W2"].ravel(),
        "dZ1": dZ1,
        "gradient_order": gradient_order,
        "dW1_top": grads["W1"][gradient_order[:TOP_UNITS]].ravel(),
        "largest": {name: largest_entry(g) for name, g in grads.items()},
    }


def largest_entry(gradient: np.ndarray) -> list[int]:
    """[row, column] of the gradient's entry of largest magnitude (the weight the loss is most sensitive to)."""
    return [int(i) for i in np.unravel_index(np.argmax(np.abs(gradient)), gradient.shape)]


def step(explorer: Explorer, model: Model, pixels: Any, label: int, lr: float) -> StepResult:
    """One gradient step on this example, W := W - lr dW, applied to the explorer's copy."""
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) or not 0 < lr <= MAX_LR:
        raise ValueError(f"the learning rate must be a number above 0 and at most {MAX_LR:g}, got {lr!r}")
    X, y = input_column(pixels), check_label(label)
    Y = np.array([y])
    params = explorer.params(model)
    before = network.forward(params, X).A2
    after_step = {name: P.copy() for name, P in params.items()}
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    training.gradient_step(after_step, velocity, X, Y, lr, momentum=0.0)
    after = network.forward(after_step, X).A2
    explorer.previous = [*explorer.previous, params][-MAX_UNDO:]
    explorer.stepped = after_step
    explorer.steps += 1
    change = np.abs(after_step["W1"] - params["W1"]).sum(axis=1)
    units = np.argsort(-change, kind="stable")[:TOP_UNITS].astype(np.int32)
    result: StepResult = {
        "label": y,
        "lr": float(lr),
        "before": before[:, 0],
        "after": after[:, 0],
        "loss_before": network.cross_entropy(before, Y),
        "loss_after": network.cross_entropy(after, Y),
        "units": units,
        "W1_before": params["W1"][units].ravel(),
        "W1_after": after_step["W1"][units].ravel(),
        "explanation": explain(explorer, model, X, y),
    }
    return result


def gradient_check(
    explorer: Explorer, model: Model, pixels: Any, label: int, parameter: str, row: int, column: int, h: float
) -> GradientCheck:
    """Backprop's slope for one weight beside the numeric slope (gradcheck.py), in float64 and float32."""
    X, y = input_column(pixels), check_label(label)
    params = explorer.params(model)
    if parameter not in params:
        raise ValueError(f"choose a parameter among {', '.join(params)}, got {parameter!r}")
    rows, columns = params[parameter].shape
    for what, value, size in (("row", row, rows), ("column", column, columns)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in range(size):
            raise ValueError(f"{parameter} has {size} {what}s (0 to {size - 1}); got {what} {value!r}")
    if isinstance(h, bool) or not isinstance(h, int | float) or not math.isfinite(h) or not 1e-12 <= h <= 1:
        raise ValueError(f"the nudge h must be a number from 1e-12 to 1, got {h!r}")
    index = (int(row), int(column))
    Y = np.array([y])
    results: list[SlopeResult] = []
    for dtype in ("float64", "float32"):
        P = {name: values.astype(dtype) for name, values in params.items()}
        X_typed = X.astype(dtype)
        backprop = float(network.backward(P, X_typed, Y, network.forward(P, X_typed))[parameter][index])
        slope = gradcheck.numeric_slope(P, X_typed, Y, parameter, index, float(h))
        relative = gradcheck.relative_difference(slope.slope, backprop)
        weight = float(P[parameter][index])
        results.append(cast(SlopeResult, {"dtype": dtype, "weight": weight, "backprop": backprop, **asdict(slope),
                                          "relative": relative}))  # fmt: skip
    Z1 = network.forward(params, X).Z1[:, 0]
    # Does the nudge carry a hidden unit across ReLU's kink at 0 (where the loss has no slope)?
    if parameter == "W1":
        crosses = abs(Z1[index[0]]) <= h * X[index[1], 0]
    elif parameter == "b1":
        crosses = abs(Z1[index[0]]) <= h
    else:
        crosses = False
    return {"parameter": parameter, "row": index[0], "column": index[1], "h": float(h), "label": y,
            "results": results, "crosses_kink": bool(crosses)}  # fmt: skip
