"""The Python the explorer shows beside each step: read from the running package, not copied.

``inspect.getsource`` reads each function from the very ``.py`` file that Python imported (in the
page, the site's ``scratchnn.zip`` unpacked in Pyodide), so the code on the page is the code that
ran. Each step of the explorer names the functions it shows and the lines to highlight, given by
their text; a line that is no longer in the function is an error (the tests catch it), never a
silently wrong highlight.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import gradcheck, network, preprocess, training
from .messages import Listing, StepCode

# The functions the explorer shows, by the name the page uses.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "preprocess.prepare": preprocess.prepare,
    "network.forward": network.forward,
    "network.ReLU": network.ReLU,
    "network.softmax": network.softmax,
    "network.cross_entropy": network.cross_entropy,
    "network.one_hot": network.one_hot,
    "network.backward": network.backward,
    "network.ReLU_deriv": network.ReLU_deriv,
    "training.gradient_step": training.gradient_step,
    "gradcheck.numeric_slope": gradcheck.numeric_slope,
    "gradcheck.relative_difference": gradcheck.relative_difference,
}

# Each step: (function, the lines to highlight in it, as written there; none: the whole function).
STEPS: dict[str, list[tuple[str, list[str]]]] = {
    "X": [("preprocess.prepare", [])],
    "Z1": [("network.forward", ["Z1 = W1 @ X + b1"])],
    "A1": [("network.forward", ["A1 = ReLU(Z1)"]), ("network.ReLU", ["return np.maximum(Z, 0)"])],
    "Z2": [("network.forward", ["Z2 = W2 @ A1 + b2"])],
    "A2": [
        ("network.forward", ["A2 = softmax(Z2)"]),
        (
            "network.softmax",
            ["E = np.exp(Z - Z.max(axis=0, keepdims=True))", "return E / E.sum(axis=0, keepdims=True)"],
        ),
    ],
    "loss": [
        (
            "network.cross_entropy",
            [
                "p_true = A2[Y, np.arange(Y.size)]",
                "return float(-np.mean(np.log(np.maximum(p_true, np.finfo(A2.dtype).tiny))))",
            ],
        )
    ],
    "dZ2": [("network.backward", ["dZ2 = A2 - one_hot(Y, A2.dtype)"]), ("network.one_hot", [])],
    "dW2": [("network.backward", ["dW2 = dZ2 @ A1.T / m", "db2 = dZ2.sum(axis=1, keepdims=True) / m"])],
    "dZ1": [("network.backward", ["dZ1 = W2.T @ dZ2 * ReLU_deriv(Z1)"]), ("network.ReLU_deriv", [])],
    "dW1": [("network.backward", ["dW1 = dZ1 @ X.T / m", "db1 = dZ1.sum(axis=1, keepdims=True) / m"])],
    "step": [("training.gradient_step", ["dW *= lr", "V *= momentum", "V -= dW", "params[name] += V"])],
    "check": [("gradcheck.numeric_slope", []), ("gradcheck.relative_difference", [])],
}


def listing(name: str) -> Listing:
    """One function's source as Python imported it: its file, first line number and lines."""
    function = FUNCTIONS[name]
    lines, first_line = inspect.getsourcelines(function)
    module = inspect.getmodule(function)
    file = module.__name__.replace(".", "/") + ".py" if module else "?"
    return {"name": name, "file": file, "first_line": first_line, "lines": [line.rstrip("\n") for line in lines]}


def highlighted(lines: list[str], texts: list[str], name: str) -> list[int]:
    """The indices of the lines whose code (without indentation or a trailing comment) is each of ``texts``."""
    stripped = [line.split("  # ")[0].strip() for line in lines]
    found = []
    for text in texts:
        if text not in stripped:
            raise LookupError(f"{name} has no line {text!r}: update browser/listings.py's STEPS")
        found.append(stripped.index(text))
    return found


def code() -> dict[str, Any]:
    """Every listing the explorer shows, and each step's listings with the lines to highlight."""
    listings = {name: listing(name) for name in FUNCTIONS}
    steps: dict[str, list[StepCode]] = {
        step: [
            {"listing": name, "highlight": highlighted(listings[name]["lines"], texts, name)} for name, texts in shown
        ]
        for step, shown in STEPS.items()
    }
    return {"listings": listings, "steps": steps}
