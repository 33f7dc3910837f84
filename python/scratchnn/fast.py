"""The same math as network.py, made fast: what training runs, step after step.

``network.py`` is the math one equation a line; read it first. This file computes exactly the
same forward pass and the same gradients (``tests/test_fast.py`` holds them equal to 1e-12 in
float64; the forward pass is bit-identical) with three devices that the benchmark shows pay for
themselves at 800 hidden units (``benchmarks/plain-vs-fast-2cores.txt``):

1. **Reused memory.** Training calls forward and backward thousands of times with the same
   shapes. A fresh (H, m) array of the full batch (800 x 59,000 floats: 189 MB) costs the
   operating system a page fault per 4 kB page, every step; ``Workspace`` keeps Z1, A1, dZ1 and
   the ReLU' mask from one step to the next and the products are written into them (``out=``).
2. **In place.** ``Z1 += b1`` adds the bias without a second (H, m) array and a second pass
   over memory (``W1 @ X + b1`` makes both); ``exp`` and the normalising division of softmax
   overwrite one array; ``dZ1 *= ReLU'(Z1)`` multiplies in place.
3. **1/m once.** Every gradient carries the factor 1/m and every one is linear in dZ2, so
   dZ2 is divided by m once, a pass over a (10, m) matrix instead of one over each result:
   here ``dZ2`` holds (A2 - Y_onehot) / m, and ``dW2 = dZ2 @ A1.T`` has no ``/ m``.
   (Rounding differs from network.py's at the last bit, hence 1e-12 and not equality.)
"""

from __future__ import annotations

import numpy as np

from .network import Forward, Params

Workspace = dict[str, np.ndarray]


def buffer(workspace: Workspace | None, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """The array to write the result called ``name`` into: ``workspace[name]``, made (again) if
    its shape or dtype changed. Without a workspace, None: NumPy then allocates a fresh array."""
    if workspace is None:
        return None
    array = workspace.get(name)
    if array is None or array.shape != shape or array.dtype != dtype:
        array = workspace[name] = np.empty(shape, dtype)
    return array


def softmax(Z: np.ndarray) -> np.ndarray:
    """network.softmax with exp and the division in place: one (10, m) array instead of three."""
    E = Z - Z.max(axis=0, keepdims=True)  # a new array: Z itself is left as it was
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def forward(params: Params, X: np.ndarray, workspace: Workspace | None = None) -> Forward:
    """network.forward, with Z1 and A1 written into the workspace's arrays (which the next call
    with the same workspace overwrites) and the biases added in place."""
    shape, dtype = (params["W1"].shape[0], X.shape[1]), np.result_type(params["W1"], X)
    Z1 = np.matmul(params["W1"], X, out=buffer(workspace, "Z1", shape, dtype))  # W1 X, (H, m)
    Z1 += params["b1"]
    A1 = np.maximum(Z1, 0, out=buffer(workspace, "A1", shape, dtype))  # ReLU(Z1)
    Z2 = params["W2"] @ A1
    Z2 += params["b2"]
    return Forward(Z1, A1, Z2, softmax(Z2))


def backward(
    params: Params, X: np.ndarray, Y: np.ndarray, cache: Forward, workspace: Workspace | None = None
) -> Params:
    """network.backward, with 1/m applied to dZ2 once and dZ1 and ReLU'(Z1) in the workspace."""
    m = Y.size
    dZ2 = cache.A2.copy()  # (A2 - Y_onehot) / m, without building the (10, m) one-hot matrix
    dZ2[Y, np.arange(m)] -= 1
    dZ2 /= m
    dW2 = dZ2 @ cache.A1.T
    db2 = dZ2.sum(axis=1, keepdims=True)
    shape, dtype = cache.Z1.shape, np.result_type(params["W2"], dZ2)
    dZ1 = np.matmul(params["W2"].T, dZ2, out=buffer(workspace, "dZ1", shape, dtype))  # W2^T dZ2, (H, m)
    dZ1 *= np.greater(cache.Z1, 0, out=buffer(workspace, "ReLU'(Z1)", shape, np.dtype(bool)))
    dW1 = dZ1 @ X.T
    db1 = dZ1.sum(axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
