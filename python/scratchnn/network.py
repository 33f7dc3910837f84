"""A two-layer neural network for MNIST, in NumPy, in the original's notation.

Shapes (H hidden units, m examples, one example per *column*):

    X  (784, m)   pixels in [0, 1]
    W1 (H, 784)   b1 (H, 1)
    Z1 = W1 X + b1          (H, m)
    A1 = ReLU(Z1)           (H, m)
    W2 (10, H)    b2 (10, 1)
    Z2 = W2 A1 + b2         (10, m)
    A2 = softmax(Z2)        (10, m)   column j: the ten probabilities for example j

The parameters live in a plain dict ``{"W1", "b1", "W2", "b2"}``; nothing else.

This file is the math as the README writes it, one equation a line. Training runs the same
math from ``fast.py``, which reuses memory and works in place; the tests hold the two equal.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Params = dict[str, np.ndarray]
N_INPUTS = 784  # 28 x 28 pixels
N_CLASSES = 10  # the digits 0..9
INITS = ("uniform", "he")


def init_params(hidden: int, init: str = "he", dtype: str | np.dtype = "float32", seed: int = 0) -> Params:
    """Random starting parameters.

    - ``"uniform"``: the original's init, every parameter (biases too) uniform in [-0.5, 0.5).
    - ``"he"``: W ~ N(0, 2 / fan_in), the init suited to ReLU (He et al. 2015); biases 0.
    """
    if hidden < 1:
        raise ValueError(f"hidden must be at least 1, got {hidden}")
    rng = np.random.default_rng(seed)
    if init == "uniform":
        params = {
            "W1": rng.random((hidden, N_INPUTS)) - 0.5,
            "b1": rng.random((hidden, 1)) - 0.5,
            "W2": rng.random((N_CLASSES, hidden)) - 0.5,
            "b2": rng.random((N_CLASSES, 1)) - 0.5,
        }
    elif init == "he":
        params = {
            "W1": rng.standard_normal((hidden, N_INPUTS)) * np.sqrt(2.0 / N_INPUTS),
            "b1": np.zeros((hidden, 1)),
            "W2": rng.standard_normal((N_CLASSES, hidden)) * np.sqrt(2.0 / hidden),
            "b2": np.zeros((N_CLASSES, 1)),
        }
    else:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
    return {name: value.astype(dtype) for name, value in params.items()}


class Forward(NamedTuple):
    """What the forward pass computed, by name: ``forward(params, X).A2`` are the probabilities."""

    Z1: np.ndarray  # (H, m)
    A1: np.ndarray  # (H, m)
    Z2: np.ndarray  # (10, m)
    A2: np.ndarray  # (10, m)


def ReLU(Z: np.ndarray) -> np.ndarray:
    """ReLU(z) = max(z, 0), element by element."""
    return np.maximum(Z, 0)


def ReLU_deriv(Z: np.ndarray) -> np.ndarray:
    """ReLU'(z) = 1 where z > 0, else 0 (a boolean mask; multiplying by it keeps or zeroes)."""
    return Z > 0


def softmax(Z: np.ndarray) -> np.ndarray:
    """softmax(Z)[i, j] = exp(Z[i, j]) / sum_k exp(Z[k, j]), column by column.

    Subtracting each column's max first changes nothing mathematically (it cancels in the
    ratio) but keeps exp() from overflowing: the largest exponent is exp(0) = 1.
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward(params: Params, X: np.ndarray) -> Forward:
    """Forward pass for the columns of X (784, m); see the module docstring for the shapes."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = W1 @ X + b1
    A1 = ReLU(Z1)
    Z2 = W2 @ A1 + b2
    A2 = softmax(Z2)
    return Forward(Z1, A1, Z2, A2)


def one_hot(Y: np.ndarray, dtype: str | np.dtype = "float32") -> np.ndarray:
    """Labels (m,) -> one-hot columns (10, m): column j has a 1 in row Y[j]."""
    Y_onehot = np.zeros((N_CLASSES, Y.size), dtype=dtype)
    Y_onehot[Y, np.arange(Y.size)] = 1
    return Y_onehot


def cross_entropy(A2: np.ndarray, Y: np.ndarray) -> float:
    """Mean cross-entropy loss  L = -1/m * sum_j log A2[Y[j], j].

    The probability is clipped at the smallest positive float so that a confident wrong
    answer costs a large finite loss, not infinity.
    """
    p_true = A2[Y, np.arange(Y.size)]
    return float(-np.mean(np.log(np.maximum(p_true, np.finfo(A2.dtype).tiny))))


def backward(params: Params, X: np.ndarray, Y: np.ndarray, cache: Forward) -> Params:
    """Backpropagation: the gradient of the mean cross-entropy loss for each parameter.

        dZ2 = A2 - Y_onehot                      (10, m)  softmax + cross-entropy together
        dW2 = 1/m dZ2 A1^T                       (10, H)
        db2 = 1/m sum_j dZ2[:, j]                (10, 1)  one number per output unit
        dZ1 = W2^T dZ2 * ReLU'(Z1)               (H, m)
        dW1 = 1/m dZ1 X^T                        (H, 784)
        db1 = 1/m sum_j dZ1[:, j]                (H, 1)

    ``cache`` is what ``forward(params, X)`` returned. The original summed ``db`` over *all*
    units into one number; here each unit gets its own bias gradient (``keepdims=True``),
    which is what the math says.
    """
    m = Y.size
    W2 = params["W2"]
    Z1, A1, A2 = cache.Z1, cache.A1, cache.A2
    dZ2 = A2 - one_hot(Y, A2.dtype)
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = W2.T @ dZ2 * ReLU_deriv(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    """The predicted digit for each column of X: argmax of A2, shape (m,)."""
    return np.argmax(forward(params, X).A2, axis=0)


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(predictions == Y))
