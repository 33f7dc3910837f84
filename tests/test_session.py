"""session.py: training in time slices gives exactly the same network as training in one go."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import network, training
from scratchnn.browser.session import TrainingSession


@pytest.fixture()
def data(mnist_data):
    return mnist_data.X_train[:, :1500], mnist_data.Y_train[:1500], mnist_data.X_val, mnist_data.Y_val


def test_slices_give_the_same_network_as_one_run(data):
    X, Y, X_val, Y_val = data
    settings = dict(epochs=2, lr=0.1, batch_size=100, momentum=0.9, seed=3)
    reference = network.init_params(16, seed=0)
    history = training.train(reference, X, Y, X_val=X_val, Y_val=Y_val, **settings)

    session = TrainingSession(network.init_params(16, seed=0), X, Y, X_val, Y_val, **settings)
    slices = []
    while not session.done:
        slices.append(session.run(seconds=0.0))  # the smallest slice: one step
    assert len(slices) == 2 * 15
    for name in reference:
        np.testing.assert_array_equal(session.params[name], reference[name])
    assert [h["val_accuracy"] for h in session.history] == [h.val_accuracy for h in history]
    assert [h["loss"] for h in session.history] == pytest.approx([h.loss for h in history])


def test_a_slice_stops_at_the_end_of_an_epoch(data):
    X, Y, X_val, Y_val = data
    session = TrainingSession(network.init_params(8), X, Y, X_val, Y_val, epochs=3, lr=0.1, batch_size=500)
    first = session.run(seconds=60)
    assert (first["epoch"], first["batch"], first["batches_per_epoch"]) == (1, 3, 3)
    assert len(first["history"]) == 1 and not first["done"]
    assert first["examples_seen"] == 1500 and first["examples_per_second"] > 0
    session.run(seconds=60)
    last = session.run(seconds=60)
    assert last["done"] and len(last["history"]) == 3
    assert last["history"][-1]["val_accuracy"] > max(0.2, first["history"][0]["val_accuracy"])


def test_a_nan_loss_stops_the_session(data):
    X, Y, X_val, Y_val = data
    X = X.copy()
    X[:, :] = np.nan
    session = TrainingSession(network.init_params(8), X, Y, X_val, Y_val, epochs=1, lr=0.1, batch_size=500)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="diverged"):
        session.run()


def test_the_recent_figures_average_about_the_last_thousand_examples(data):
    """A slice of one step and a slice of many report figures on the same footing."""
    X, Y, X_val, Y_val = data
    session = TrainingSession(network.init_params(8), X, Y, X_val, Y_val, epochs=1, lr=0.1, batch_size=100)
    first = session.run(seconds=0.0)  # one batch: the average is that batch's own figure
    assert first["recent_loss"] == pytest.approx(first["batch_loss"])
    assert first["recent_accuracy"] == pytest.approx(first["batch_accuracy"])
    losses = [first["batch_loss"]]
    while not session.done:
        progress = session.run(seconds=0.0)
        losses.append(progress["batch_loss"])
    # with batches of 100 the weights of the batches, newest first, are 0.1, 0.09, 0.081, ...
    weights = [0.1 * 0.9**k for k in range(len(losses))][::-1]
    expected = sum(w * loss for w, loss in zip(weights, losses, strict=True)) / sum(weights)
    assert progress["recent_loss"] == pytest.approx(expected)


def test_a_rate_change_between_steps_is_the_next_update_with_the_new_rate(data):
    """training.py's update, V = momentum V - lr dW; W = W + V, written out by hand: the steps
    before the change use the old rate, the step after it the new one."""
    X, Y, X_val, Y_val = data
    batch, momentum, old, new = 100, 0.9, 0.05, 0.3
    params = network.init_params(16, dtype="float64", seed=0)
    session = TrainingSession(params, X, Y, X_val, Y_val, epochs=1, lr=old, batch_size=batch, momentum=momentum, seed=3)
    rates = [session.run(seconds=0.0)["lr"] for _ in range(2)]
    W_2 = {name: P.copy() for name, P in params.items()}
    rates.append(session.run(seconds=0.0)["lr"])
    W_3 = {name: P.copy() for name, P in params.items()}
    assert rates == [old, old, old]

    session.set_lr(new)
    after = session.run(seconds=0.0)
    assert after["lr"] == new and after["examples_seen"] == 4 * batch

    columns = np.random.default_rng(3).permutation(Y.size)[3 * batch : 4 * batch]  # the 4th batch of epoch 1
    X_batch, Y_batch = X[:, columns].astype(np.float64), Y[columns]
    dW = network.backward(W_3, X_batch, Y_batch, network.forward(W_3, X_batch))
    for name in params:
        V = W_3[name] - W_2[name]  # the velocity after step 3 (W = W + V)
        np.testing.assert_allclose(params[name], W_3[name] + momentum * V - new * dW[name], rtol=0, atol=1e-10)
        with_old_rate = W_3[name] + momentum * V - old * dW[name]
        assert not np.allclose(params[name], with_old_rate, rtol=0, atol=1e-6)


def test_rate_changes_are_recorded_where_they_take_effect(data):
    X, Y, X_val, Y_val = data
    session = TrainingSession(network.init_params(8), X, Y, X_val, Y_val, epochs=2, lr=0.05, batch_size=100)
    session.set_lr(0.05)  # the rate in force: nothing to record
    session.set_lr(0.2)
    session.set_lr(0.05)  # back before any step took 0.2: nothing happened
    assert session.lr_changes == [] and session.lr == 0.05
    for _ in range(3):
        session.run(seconds=0.0)
    session.set_lr(0.5)
    session.set_lr(0.1)  # the last change before a step wins
    progress = session.run(seconds=0.0)
    assert progress["lr"] == 0.1
    assert progress["lr_changes"] == [{"epoch": 3 / 15, "examples_seen": 300, "lr": 0.1}]
    while not session.done:
        session.run(seconds=60)
    assert session.history[-1]["lr"] == 0.1  # an epoch's rate is its last step's
