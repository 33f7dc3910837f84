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
"""

from __future__ import annotations

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


def ReLU(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU(z) = max(z, 0), element by element (into ``out`` if given)."""
    return np.maximum(Z, 0, out=out)


def ReLU_deriv(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dReLU/dz: 1 where z > 0, else 0 (as a boolean mask; into ``out`` if given)."""
    return np.greater(Z, 0, out=out)


def buffer(workspace: Params | None, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """The array to write a result called ``name`` into: ``workspace[name]``, made (again) if its
    shape or dtype changed. Without a workspace, None: NumPy then allocates a fresh array.

    Why: the trainer calls forward and backward thousands of times with the same shapes. For
    large (H, m) results (the full batch: m = 59,000), fresh memory costs the operating system a
    page fault per page, every step; reusing the same arrays costs nothing.
    """
    if workspace is None:
        return None
    array = workspace.get(name)
    if array is None or array.shape != shape or array.dtype != dtype:
        array = workspace[name] = np.empty(shape, dtype)
    return array


def softmax(Z: np.ndarray) -> np.ndarray:
    """softmax(Z)[i, j] = exp(Z[i, j]) / sum_k exp(Z[k, j]), column by column.

    Subtracting each column's max first changes nothing mathematically (it cancels in the
    ratio) but keeps exp() from overflowing: the largest exponent is exp(0) = 1.
    """
    E = Z - Z.max(axis=0, keepdims=True)  # a new array: Z itself is left as it was
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def forward(
    params: Params, X: np.ndarray, workspace: Params | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward pass: returns Z1, A1, Z2, A2 (see the module docstring for the shapes).

    The bias is added in place (``Z1 += b1``, broadcast along the columns): ``W1 @ X + b1``
    would allocate a second (H, m) array and pass over the memory once more. With a
    ``workspace`` dict (see ``buffer``), Z1 and A1 are written into its arrays, which the next
    call with the same workspace overwrites.
    """
    shape, dtype = (params["W1"].shape[0], X.shape[1]), np.result_type(params["W1"], X)
    Z1 = np.matmul(params["W1"], X, out=buffer(workspace, "Z1", shape, dtype))  # W1 X, (H, m)
    Z1 += params["b1"]
    A1 = ReLU(Z1, out=buffer(workspace, "A1", shape, dtype))  # (H, m)
    Z2 = params["W2"] @ A1  # (10, m)
    Z2 += params["b2"]
    A2 = softmax(Z2)  # (10, m)
    return Z1, A1, Z2, A2


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


def backward(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    Z1: np.ndarray,
    A1: np.ndarray,
    A2: np.ndarray,
    workspace: Params | None = None,
) -> Params:
    """Backpropagation: the gradient of the mean cross-entropy loss for each parameter.

        dZ2 = A2 - Y_onehot                      (10, m)  softmax + cross-entropy together
        dW2 = 1/m dZ2 A1^T                       (10, H)
        db2 = 1/m sum_j dZ2[:, j]                (10, 1)  one number per output unit
        dZ1 = W2^T dZ2 * ReLU'(Z1)               (H, m)
        dW1 = 1/m dZ1 X^T                        (H, 784)
        db1 = 1/m sum_j dZ1[:, j]                (H, 1)

    The original summed ``db`` over *all* units into one number; here each unit gets its
    own bias gradient (``keepdims=True``), which is what the math says.

    Every gradient above carries the factor 1/m, and every one of them is linear in dZ2, so
    the code divides dZ2 by m once: one pass over a (10, m) matrix instead of a division of
    each result. ``dZ1 *= ReLU'(Z1)`` multiplies in place for the same reason. A ``workspace``
    (see ``buffer``) holds dZ1 and the ReLU' mask from one call to the next.
    """
    m = Y.size
    dZ2 = A2.copy()  # A2 - Y_onehot, without building the (10, m) one-hot matrix
    dZ2[Y, np.arange(m)] -= 1
    dZ2 /= m  # the 1/m of every gradient below, applied once
    dW2 = dZ2 @ A1.T
    db2 = dZ2.sum(axis=1, keepdims=True)
    shape, dtype = Z1.shape, np.result_type(params["W2"], dZ2)
    dZ1 = np.matmul(params["W2"].T, dZ2, out=buffer(workspace, "dZ1", shape, dtype))  # W2^T dZ2, (H, m)
    dZ1 *= ReLU_deriv(Z1, out=buffer(workspace, "ReLU'(Z1)", shape, np.dtype(bool)))
    dW1 = dZ1 @ X.T
    db1 = dZ1.sum(axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    """The predicted digit for each column of X: argmax of A2, shape (m,)."""
    return np.argmax(forward(params, X)[3], axis=0)


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(predictions == Y))
