"""A committee: N two-layer networks that vote by averaging their probabilities.

Each member k is an ordinary network (``network.py``), trained alone with its own seed (its own
initial weights, its own order of batches and its own random warps of every digit). The
committee's answer for a column x of X is the digit with the largest mean probability:

    P = (1/N) sum_k A2^(k)          (10, m)   A2^(k) = softmax(W2^(k) ReLU(W1^(k) X_k + b1^(k)) + b2^(k))
    prediction = argmax_i P[i, :]

X_k is X as member k was trained to see it: as it is, or deslanted and width-normalised
(``scratchnn.normalise``, Meier et al.'s preprocessing). Members trained alike still make
different mistakes, because each one's random start and random warps lead it elsewhere; where
one is unsure and wrong, the others usually outvote it. Meier et al. (ICDAR 2011) averaged 25
such networks of 800 hidden units to reach 99.61% on MNIST. This module does
no file I/O (``scripts/committee.py`` trains and saves the members).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .network import Params, forward
from .normalise import normalise


def probabilities(
    members: Sequence[Params],
    X: np.ndarray,
    normalisations: Sequence[str | None] | None = None,
    batch_size: int = 10_000,
) -> np.ndarray:
    """P = (1/N) sum_k A2^(k) for the columns of X (784, m): shape (10, m), each column sums to 1.

    ``normalisations[k]``: what member k was trained to see (``scratchnn.normalise``, e.g.
    "deslant"), applied to X before its forward pass; None (the default) for every member: X as it is.
    """
    if not members:
        raise ValueError("a committee needs at least one member")
    names = [None] * len(members) if normalisations is None else list(normalisations)
    if len(names) != len(members):
        raise ValueError(f"{len(members)} members but {len(names)} normalisations")
    P = np.zeros((10, X.shape[1]), dtype=np.float64)
    for params, name in zip(members, names, strict=True):
        X_k = normalise(X, name)
        for start in range(0, X.shape[1], batch_size):
            P[:, start : start + batch_size] += forward(params, X_k[:, start : start + batch_size]).A2
    return P / len(members)


def predict(members: Sequence[Params], X: np.ndarray, normalisations: Sequence[str | None] | None = None) -> np.ndarray:
    """The committee's digit for each column of X: argmax of the mean probabilities, shape (m,)."""
    return np.argmax(probabilities(members, X, normalisations), axis=0)
