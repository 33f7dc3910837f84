"""fast.py computes what network.py computes: the naive and the fast version, checked equal."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import fast, network, training


def example(hidden: int, m: int, dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    params = network.init_params(hidden, init="he", dtype=dtype, seed=seed)
    params["b1"] += rng.normal(0, 0.1, params["b1"].shape).astype(dtype)  # non-zero biases
    params["b2"] += rng.normal(0, 0.1, params["b2"].shape).astype(dtype)
    X = rng.random((784, m)).astype(dtype)
    Y = rng.integers(0, 10, m)
    return params, X, Y


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("hidden", "m"), [(1, 1), (10, 7), (64, 128)])
def test_forward_is_bit_identical(hidden, m, dtype):
    params, X, _Y = example(hidden, m, dtype)
    plain = network.forward(params, X)
    for workspace in (None, {}):
        quick = fast.forward(params, X, workspace)
        for name in plain._fields:
            np.testing.assert_array_equal(getattr(quick, name), getattr(plain, name), err_msg=name)
            assert getattr(quick, name).dtype == np.dtype(dtype)


@pytest.mark.parametrize(("hidden", "m"), [(1, 1), (10, 7), (64, 128), (128, 500)])
def test_backward_equals_the_plain_gradients_to_1e_12_in_float64(hidden, m):
    params, X, Y = example(hidden, m, "float64", seed=hidden)
    plain = network.backward(params, X, Y, network.forward(params, X))
    workspace: fast.Workspace = {}
    quick = fast.backward(params, X, Y, fast.forward(params, X, workspace), workspace)
    for name in ("W1", "b1", "W2", "b2"):
        scale = np.abs(plain[name]).max() or 1.0
        np.testing.assert_allclose(quick[name], plain[name], rtol=0, atol=1e-12 * scale, err_msg=name)
        assert quick[name].shape == params[name].shape


def test_float32_gradients_agree_to_float32_rounding():
    params, X, Y = example(32, 64, "float32", seed=3)
    plain = network.backward(params, X, Y, network.forward(params, X))
    quick = fast.backward(params, X, Y, fast.forward(params, X))
    for name in plain:
        assert quick[name].dtype == np.float32
        np.testing.assert_allclose(quick[name], plain[name], rtol=1e-5, atol=1e-7 * np.abs(plain[name]).max())


def test_the_workspace_is_reused_and_survives_a_change_of_shape():
    params, X, Y = example(16, 32, "float64")
    workspace: fast.Workspace = {}
    first = fast.forward(params, X, workspace)
    fast.backward(params, X, Y, first, workspace)
    arrays = {name: workspace[name] for name in ("Z1", "A1", "dZ1", "ReLU'(Z1)")}
    second = fast.forward(params, X[:, ::-1].copy(), workspace)
    assert second.Z1 is arrays["Z1"] and second.A1 is arrays["A1"]  # the same memory, new values
    smaller = fast.forward(params, X[:, :5], workspace)  # another batch size: new arrays
    assert smaller.Z1.shape == (16, 5)
    np.testing.assert_array_equal(smaller.A2, network.forward(params, X[:, :5]).A2)


def test_a_training_step_equals_the_plain_update_by_hand():
    """gradient_step (fast.py, in place) = V := mu V - alpha dW; W := W + V with network.py's dW."""
    params, X, Y = example(20, 50, "float64", seed=7)
    velocity = {name: np.full_like(P, 0.01) for name, P in params.items()}
    grads = network.backward(params, X, Y, network.forward(params, X))
    expected_V = {name: 0.9 * velocity[name] - 0.3 * grads[name] for name in params}
    expected_W = {name: params[name] + expected_V[name] for name in params}
    training.gradient_step(params, velocity, X, Y, lr=0.3, momentum=0.9, workspace={})
    for name in params:
        np.testing.assert_allclose(velocity[name], expected_V[name], rtol=0, atol=1e-12)
        np.testing.assert_allclose(params[name], expected_W[name], rtol=0, atol=1e-12)
