"""The gradient check: backpropagation's slope for one weight beside a slope measured by nudging it.

For one parameter entry ``w`` (say ``W1[k, i]``) and the loss ``L`` of ``network.cross_entropy``:

    numeric slope   (L(w + h) - L(w - h)) / (2 h)        two forward passes, no calculus
    backprop slope  backward(...)["W1"][k, i]            one backward pass, every weight at once
    relative difference  |numeric - backprop| / (|numeric| + |backprop|)

The central difference is off from the true slope by about h^2 (times the third derivative), so
in float64 with h = 1e-5 the two agree to 8 digits or more, unless the nudge moves a hidden unit
across ReLU's kink at 0 (then the loss is not smooth there, and the numeric slope mixes two
slopes). In float32 the loss itself is rounded to about 7 significant digits; the difference
L(w + h) - L(w - h) is then mostly rounding unless h is large, and a large h brings back the h^2
error: float32 cannot check gradients much closer than 1e-3. tests/test_network.py runs this check
over a sample of every parameter; the page runs it live on one weight of your choosing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Params, cross_entropy, forward


@dataclass(frozen=True)
class Slope:
    """The two nudged losses and the numeric slope between them."""

    w_plus: float  # the weight nudged up, as stored (in float32, w + h is rounded)
    w_minus: float
    loss_plus: float  # L at w_plus
    loss_minus: float
    slope: float  # (loss_plus - loss_minus) / (w_plus - w_minus)


def numeric_slope(params: Params, X: np.ndarray, Y: np.ndarray, name: str, index: tuple[int, int], h: float) -> Slope:
    """Nudge ``params[name][index]`` by +h and -h and measure the loss's slope (params restored after).

    The slope divides by the nudge the stored weights really took, ``w_plus - w_minus``, which in
    float32 is not exactly ``2 h``.
    """
    P = params[name]
    saved = P[index].copy()
    try:
        P[index] = saved + h
        w_plus, loss_plus = float(P[index]), cross_entropy(forward(params, X).A2, Y)
        P[index] = saved - h
        w_minus, loss_minus = float(P[index]), cross_entropy(forward(params, X).A2, Y)
    finally:
        P[index] = saved
    return Slope(w_plus, w_minus, loss_plus, loss_minus, (loss_plus - loss_minus) / (w_plus - w_minus))


def relative_difference(numeric: float, backprop: float) -> float:
    """|numeric - backprop| / (|numeric| + |backprop|): 0 when they agree, 1 when they have nothing in common."""
    total = abs(numeric) + abs(backprop)
    return 0.0 if total == 0 else abs(numeric - backprop) / total
