"""training.py: the update rule, the loop, its callbacks and its guards, on real MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import network, training
from scratchnn.config import PRESETS


def small_slice(mnist_data, m=2000, dtype="float64"):
    return mnist_data.X_train[:, :m].astype(dtype), mnist_data.Y_train[:m]


def test_seed_preset_step_equals_the_originals_formulas_by_hand(mnist_data):
    """One full-batch step of the `seed` preset, against the original's code written out."""
    config = PRESETS["seed"]
    X, Y = small_slice(mnist_data, 500)
    params = network.init_params(10, init=config.init, dtype=config.dtype, seed=7)
    W1, b1, W2, b2 = (params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    alpha, m = config.lr, Y.size

    # The original (with its bias gradient fixed to one number per unit):
    Z1 = W1.dot(X) + b1
    A1 = np.maximum(Z1, 0)
    Z2 = W2.dot(A1) + b2
    A2 = np.exp(Z2) / np.sum(np.exp(Z2), axis=0)
    one_hot_Y = np.zeros((Y.size, 10))
    one_hot_Y[np.arange(Y.size), Y] = 1
    dZ2 = A2 - one_hot_Y.T
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    expected = {"W1": W1 - alpha * dW1, "b1": b1 - alpha * db1, "W2": W2 - alpha * dW2, "b2": b2 - alpha * db2}

    steps = training.training_steps(params, X, Y, epochs=1, lr=alpha, batch_size=config.batch_size)
    report = next(steps)
    assert (report.batch, report.batches_per_epoch, report.examples) == (1, 1, 500)
    for name in expected:
        np.testing.assert_allclose(params[name], expected[name], rtol=1e-12, atol=1e-14, err_msg=name)


def test_momentum_step_by_hand(rng):
    params = network.init_params(5, dtype="float64", seed=0)
    X, Y = rng.random((784, 16)), rng.integers(0, 10, 16)
    velocity = {k: np.full_like(P, 0.01) for k, P in params.items()}
    before = {k: P.copy() for k, P in params.items()}
    grads = network.backward(params, X, Y, network.forward(params, X))
    training.gradient_step(params, velocity, X, Y, lr=0.5, momentum=0.9)
    for k in params:
        v = 0.9 * 0.01 - 0.5 * grads[k]
        np.testing.assert_allclose(velocity[k], v, rtol=1e-12)
        np.testing.assert_allclose(params[k], before[k] + v, rtol=1e-12)


def test_training_lowers_the_loss_on_real_mnist(mnist_data):
    X, Y = small_slice(mnist_data, 2000, "float32")
    params = network.init_params(32, seed=0)
    loss_before, acc_before = training.evaluate(params, X, Y)
    history = training.train(params, X, Y, epochs=3, lr=0.1, batch_size=64, momentum=0.9)
    loss_after, acc_after = training.evaluate(params, X, Y)
    assert loss_after < loss_before / 3
    assert acc_after > 0.9 > acc_before
    assert history[-1].loss < history[0].loss


def test_callbacks_see_every_batch_and_epoch_with_validation(mnist_data):
    X, Y = small_slice(mnist_data, 1000, "float32")
    batches, epochs = [], []
    history = training.train(
        network.init_params(16, seed=0), X, Y, epochs=2, lr=0.1, batch_size=300,
        X_val=mnist_data.X_val, Y_val=mnist_data.Y_val, on_batch=batches.append, on_epoch=epochs.append,
    )  # fmt: skip
    assert [(b.epoch, b.batch) for b in batches] == [(e, b) for e in (1, 2) for b in (1, 2, 3, 4)]
    assert [b.examples for b in batches[:4]] == [300, 300, 300, 100]
    assert epochs == history and [e.epoch for e in epochs] == [1, 2]
    assert all(0 <= e.val_accuracy <= 1 and e.val_loss > 0 and e.seconds > 0 for e in epochs)


def test_every_example_is_visited_once_per_epoch(rng):
    """Shuffling by index: over one epoch the batches cover each column exactly once."""
    X = np.tile(np.arange(50, dtype=np.float64), (784, 1)) / 50  # column j holds j/50
    Y = np.zeros(50, dtype=np.int64)
    seen = []

    def record(X_batch, _rng):
        seen.extend(np.round(X_batch[0] * 50).astype(int))
        return X_batch

    params = network.init_params(2, seed=0)
    steps = training.training_steps(params, X, Y, epochs=1, lr=0.01, batch_size=8, augment=record)
    assert len(list(steps)) == 7
    assert sorted(seen) == list(range(50))
    assert seen != list(range(50))  # and in a shuffled order


def test_same_seed_same_network(mnist_data):
    X, Y = small_slice(mnist_data, 600, "float32")
    runs = []
    for _ in range(2):
        params = network.init_params(8, seed=1)
        training.train(params, X, Y, epochs=2, lr=0.1, batch_size=50, momentum=0.5, seed=9)
        runs.append(params)
    for name in runs[0]:
        np.testing.assert_array_equal(runs[0][name], runs[1][name])


def test_lr_decay_is_reported_per_epoch(mnist_data):
    X, Y = small_slice(mnist_data, 200, "float32")
    history = training.train(network.init_params(4, seed=0), X, Y, epochs=3, lr=0.2, batch_size=100, lr_decay=0.5)
    assert [h.lr for h in history] == pytest.approx([0.2, 0.1, 0.05])


def test_a_nan_loss_stops_training_at_once(mnist_data):
    """A NaN anywhere (here one corrupt pixel) makes the loss NaN: train() raises at that batch."""
    X, Y = small_slice(mnist_data, 500, "float32")
    X[100, 250] = np.nan
    seen = []
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="the loss became nan at epoch 1") as error:
        training.train(network.init_params(16, seed=0), X, Y, epochs=2, lr=0.1, batch_size=100, on_batch=seen.append)
    bad_batch = int(str(error.value).split("batch ")[1].split(":")[0])
    assert len(seen) == bad_batch - 1  # the bad batch never reaches the callback
    assert all(np.isfinite(report.loss) for report in seen)


def test_a_huge_learning_rate_kills_the_relus_but_keeps_numbers_finite(mnist_data):
    """What divergence looks like here: every hidden unit dies (Z1 <= 0), the loss stays finite."""
    X, Y = small_slice(mnist_data, 500, "float32")
    params = network.init_params(16, seed=0)
    with np.errstate(all="ignore"):
        history = training.train(params, X, Y, epochs=3, lr=1e4, batch_size=100)
    assert all(np.isfinite(P).all() for P in params.values())
    assert history[-1].accuracy < 0.3
    assert not network.forward(params, X).A1.any()  # A1 is all zeros: dead ReLUs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(epochs=0), "epochs"),
        (dict(lr=float("nan")), "learning rate"),
        (dict(lr=-0.1), "learning rate"),
        (dict(batch_size=0), "batch_size"),
        (dict(momentum=1.0), "momentum"),
        (dict(lr_decay=0.0), "lr_decay"),
    ],
)
def test_nonsense_hyperparameters_are_refused(kwargs, message):
    args = dict(epochs=1, lr=0.1, batch_size=10, momentum=0.0) | kwargs
    X, Y = np.zeros((784, 20), dtype=np.float32), np.zeros(20, dtype=np.int64)
    with pytest.raises(ValueError, match=message):
        list(training.training_steps(network.init_params(2), X, Y, **args))


def test_evaluate_agrees_with_predict(mnist_data):
    params = network.init_params(16, seed=0)
    X, Y = mnist_data.X_val, mnist_data.Y_val
    loss, acc = training.evaluate(params, X, Y, batch_size=300)
    assert acc == network.accuracy(network.predict(params, X), Y)
    assert loss == pytest.approx(network.cross_entropy(network.forward(params, X).A2, Y), rel=1e-5)
