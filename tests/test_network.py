"""The math of network.py: shapes, softmax, loss, init, and backward against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import network


@pytest.mark.parametrize("hidden", [1, 10, 128])
def test_forward_and_backward_shapes(hidden, rng):
    params = network.init_params(hidden, seed=0)
    X = rng.random((784, 7), dtype=np.float32)
    Y = rng.integers(0, 10, 7)
    Z1, A1, Z2, A2 = network.forward(params, X)
    assert Z1.shape == A1.shape == (hidden, 7)
    assert Z2.shape == A2.shape == (10, 7)
    grads = network.backward(params, X, Y, network.forward(params, X))
    for name, P in params.items():
        assert grads[name].shape == P.shape
        assert grads[name].dtype == P.dtype == np.float32


def test_softmax_columns_sum_to_one_and_stay_finite_for_huge_logits():
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [999.0, -1000.0, 0.0]])
    A = network.softmax(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A[:, 2], 1 / 3)
    assert A[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)))  # only the difference 1000 - 999 matters


def test_softmax_float32_stays_float32_and_finite():
    Z = np.array([[1000, -1000], [-1000, 1000]], dtype=np.float32)
    A = network.softmax(Z)
    assert A.dtype == np.float32
    assert np.all(np.isfinite(A))


def test_relu_and_its_derivative():
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(network.ReLU(Z), [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(network.ReLU_deriv(Z), [[False, False, True]])


def test_cross_entropy_is_finite_even_when_the_true_class_has_probability_zero():
    A2 = np.zeros((10, 2))
    A2[3, :] = 1.0
    loss = network.cross_entropy(A2, np.array([3, 4]))
    assert np.isfinite(loss) and loss > 300  # -log(tiny) / 2 ≈ 354
    assert network.cross_entropy(A2, np.array([3, 3])) == 0.0


def test_one_hot():
    np.testing.assert_array_equal(network.one_hot(np.array([2, 0]))[:, 0], np.eye(10)[2])
    assert network.one_hot(np.array([2, 0])).sum() == 2


def test_uniform_init_is_the_originals():
    params = network.init_params(10, init="uniform", dtype="float64", seed=3)
    for P in params.values():
        assert P.dtype == np.float64
        assert P.min() >= -0.5 and P.max() < 0.5
    assert params["b1"].std() > 0.1  # the original draws the biases at random too
    assert params["W1"].mean() == pytest.approx(0, abs=0.01)


def test_he_init_has_the_right_scale():
    params = network.init_params(500, init="he", seed=0)
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert params["W2"].std() == pytest.approx(np.sqrt(2 / 500), rel=0.05)
    assert not params["b1"].any() and not params["b2"].any()


def test_init_is_seeded():
    a, b = network.init_params(16, seed=5), network.init_params(16, seed=5)
    c = network.init_params(16, seed=6)
    np.testing.assert_array_equal(a["W1"], b["W1"])
    assert not np.array_equal(a["W1"], c["W1"])


def test_bad_init_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown init"):
        network.init_params(10, init="zeros")
    with pytest.raises(ValueError, match="hidden"):
        network.init_params(0)


def test_bias_gradient_is_per_unit_not_one_number(rng):
    params = network.init_params(6, dtype="float64", seed=1)
    X = rng.random((784, 20))
    Y = rng.integers(0, 10, 20)
    grads = network.backward(params, X, Y, network.forward(params, X))
    assert grads["b2"].shape == (10, 1)
    assert len(np.unique(grads["b2"])) > 1  # the original's np.sum(dZ2) would make them all equal
    # dZ2 = A2 - Y_onehot: the output bias gradients of a softmax sum to zero
    assert grads["b2"].sum() == pytest.approx(0, abs=1e-12)


def loss_of(params, X, Y):
    return network.cross_entropy(network.forward(params, X).A2, Y)


@pytest.mark.parametrize("hidden", [3, 10, 32])
def test_backward_matches_finite_differences(hidden, rng):
    """Central differences (L(p + h) - L(p - h)) / 2h for a sample of every parameter's entries."""
    params = network.init_params(hidden, init="he", dtype="float64", seed=hidden)
    params["b1"] += rng.normal(0, 0.1, params["b1"].shape)  # non-zero biases exercise db
    params["b2"] += rng.normal(0, 0.1, params["b2"].shape)
    X = rng.random((784, 8))
    Y = rng.integers(0, 10, 8)
    grads = network.backward(params, X, Y, network.forward(params, X))
    h = 1e-6
    for name, P in params.items():
        flat = P.reshape(-1)
        picks = rng.choice(flat.size, size=min(flat.size, 60), replace=False)
        numeric = np.empty(picks.size)
        for k, i in enumerate(picks):
            saved = flat[i]
            flat[i] = saved + h
            plus = loss_of(params, X, Y)
            flat[i] = saved - h
            minus = loss_of(params, X, Y)
            flat[i] = saved
            numeric[k] = (plus - minus) / (2 * h)
        analytic = grads[name].reshape(-1)[picks]
        rel_error = np.linalg.norm(numeric - analytic) / (np.linalg.norm(numeric) + np.linalg.norm(analytic))
        assert rel_error < 1e-6, f"{name}: relative error {rel_error:.2e}"


def test_predict_and_accuracy(rng):
    params = network.init_params(8, seed=0)
    X = rng.random((784, 30), dtype=np.float32)
    predictions = network.predict(params, X)
    np.testing.assert_array_equal(predictions, np.argmax(network.forward(params, X).A2, axis=0))
    assert network.accuracy(predictions, predictions) == 1.0
    assert network.accuracy(np.array([1, 2]), np.array([1, 3])) == 0.5
