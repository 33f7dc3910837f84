"""browser/trainer.py: what the page's worker calls to train, stop, download and upload weights."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from scratchnn import mnist, network, training, weights
from scratchnn.browser import page, subset
from scratchnn.browser import trainer as page_training
from scratchnn.browser.trainer import Trainer
from scratchnn.config import TrainConfig


@pytest.fixture(scope="module")
def data_file() -> bytes:
    return subset.build(mnist.read_raw(), n_train=2000)


@pytest.fixture(scope="module")
def dataset(data_file) -> page_training.Dataset:
    return page_training.load_data(data_file)


def run(trainer: Trainer) -> dict:
    while True:
        progress = trainer.step(seconds=0.0)
        if progress["done"]:
            return progress


def test_load_data_checks_the_manifest_checksum_and_the_file(data_file):
    good = page_training.load_data(memoryview(data_file), hashlib.sha256(data_file).hexdigest())
    assert good.X.shape == (784, 2000) and good.X.dtype == np.float32 and good.n_train == 2000
    assert good.X_val.shape == (784, 1000)
    with pytest.raises(subset.SubsetError, match="the site expects 00"):
        page_training.load_data(data_file, "00" * 32)
    with pytest.raises(subset.SubsetError, match="not a gzip file"):
        page_training.load_data(data_file[:100])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(hidden=9), "Hidden units must be a whole number from 10 to 256, not 9"),
        (dict(hidden=257), "Hidden units must be a whole number from 10 to 256"),
        (dict(hidden=32.5), "Hidden units must be a whole number"),
        (dict(hidden=""), "Hidden units: enter a whole number from 10 to 256"),
        (dict(hidden=None), "Hidden units: enter a whole number"),
        (dict(hidden="many"), "Hidden units: 'many' is not a number"),
        (dict(lr="nan"), "Learning rate must be a number above 0 and at most 10, not nan"),
        (dict(lr=float("inf")), "Learning rate must be a number above 0"),
        (dict(lr=0), "Learning rate must be a number above 0"),
        (dict(lr=11), "at most 10"),
        (dict(lr=""), "Learning rate: enter a number such as 0.05"),
        (dict(lr="fast"), "Learning rate: 'fast' is not a number"),
        (dict(batch_size=0), "Batch size must be a whole number from 1 to 256, not 0"),
        (dict(batch_size=257), "Batch size must be a whole number from 1 to 256"),
        (dict(epochs=0), "Epochs must be a whole number from 1 to 100"),
        (dict(epochs=float("nan")), "Epochs must be a whole number"),
    ],
)
def test_check_settings_names_what_is_wrong(change, message):
    values = dict(hidden=32, lr=0.05, batch_size=32, epochs=1) | change
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        page_training.check_settings(**values, n_train=2000)


def test_the_batch_is_at_most_the_training_set():
    with pytest.raises(ValueError, match="Batch size must be a whole number from 1 to 100, not 101"):
        page_training.check_settings(32, 0.05, 101, 1, n_train=100)


def test_check_settings_accepts_what_the_page_sends():
    assert page_training.check_settings("32", " 0.05 ", "64.0", 3.0) == TrainConfig(
        hidden=32, lr=0.05, batch_size=64, epochs=3, momentum=0.9, lr_decay=1.0
    )


def test_training_from_scratch_is_training_py_in_slices(dataset):
    settings = TrainConfig(hidden=16, lr=0.05, batch_size=50, epochs=2)
    trainer = Trainer(dataset, settings)
    last = run(trainer)
    reference = network.init_params(16, init="he", dtype="float32", seed=0)
    history = training.train(
        reference, dataset.X, dataset.Y, epochs=2, lr=0.05, batch_size=50, momentum=0.9, seed=0,
        X_val=dataset.X_val, Y_val=dataset.Y_val,
    )  # fmt: skip
    for name in reference:
        np.testing.assert_array_equal(trainer.model.params[name], reference[name])
    assert [h["val_accuracy"] for h in last["history"]] == [h.val_accuracy for h in history]
    assert last["examples_seen"] == 4000 and last["epoch_offset"] == 0 and last["hidden"] == 16
    assert last["history"][-1]["val_accuracy"] > 0.8
    meta = trainer.model.metadata
    assert meta["trained_with"] == page_training.TRAINED_WITH
    assert (meta["hidden"], meta["lr"], meta["batch_size"], meta["epochs"], meta["momentum"]) == (16, 0.05, 50, 2, 0.9)
    assert meta["val_accuracy"] == last["history"][-1]["val_accuracy"]
    assert meta["continued_from"] is None and meta["stopped_early"] is False
    assert meta["data"] == {"file": "data/mnist-subset.bin.gz", "sha256": dataset.sha256, "n_train": 2000,
                            "n_val": 1000}  # fmt: skip


def test_slices_show_progress_and_the_weights_change_in_place(dataset):
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=20, epochs=1))
    W1 = trainer.model.params["W1"]
    before = W1.copy()
    first = trainer.step(seconds=0.0)
    assert (first["epoch"], first["batch"], first["batches_per_epoch"]) == (1, 1, 100)
    assert first["recent_loss"] > 0 and 0 <= first["recent_accuracy"] <= 1
    assert trainer.model.params["W1"] is W1 and not np.array_equal(W1, before)  # the page predicts with these


def test_continuing_copies_the_start_network_and_numbers_the_epochs_on(dataset):
    first = Trainer(dataset, TrainConfig(hidden=12, lr=0.05, batch_size=100, epochs=1))
    run(first)
    start = first.model
    kept = {name: P.copy() for name, P in start.params.items()}
    second = Trainer(dataset, TrainConfig(hidden=99, lr=0.05, batch_size=100, epochs=2), start)
    last = run(second)
    for name in kept:  # the network it started from is untouched (Reset relies on that)
        np.testing.assert_array_equal(start.params[name], kept[name])
    assert second.config.hidden == 12
    assert [h["epoch"] for h in last["history"]] == [1, 2, 3] and last["epoch_offset"] == 1
    meta = second.model.metadata
    assert meta["epochs"] == 3 and meta["examples_seen"] == 3 * 2000
    assert len(meta["history"]["val_accuracy"]) == 3 and meta["continued_from"] is None  # it began from scratch


def test_continuing_a_pretrained_network(dataset):
    params = network.init_params(20, seed=5)
    start = page.Model("tiny", params, {"preset": "tiny", "history": {"val_accuracy": [0.5] * 30}})
    trainer = Trainer(dataset, TrainConfig(hidden=32, lr=0.05, batch_size=100, epochs=1), start)
    last = run(trainer)
    assert [h["epoch"] for h in last["history"]] == [1]  # epochs from elsewhere are not the page's
    assert trainer.model.metadata["continued_from"] == "tiny" and trainer.model.metadata["init"] is None


def test_stop_records_a_partial_run(dataset):
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=20, epochs=3))
    for _ in range(5):
        trainer.step(seconds=0.0)
    final = trainer.stop()
    assert final["stopped"] and final["examples_seen"] == 100 and final["history"] == []
    assert trainer.model.metadata["stopped_early"] is False  # not yet: finish writes it
    trainer.finish()
    meta = trainer.model.metadata
    assert meta["stopped_early"] is True and meta["epochs"] == 0 and meta["examples_seen"] == 100
    expected = training.evaluate(trainer.model.params, dataset.X_val, dataset.Y_val)[1]
    assert meta["val_accuracy"] == expected


def test_a_diverging_run_goes_back_to_its_starting_weights(dataset):
    broken = page_training.Dataset(np.full_like(dataset.X, np.nan), dataset.Y, dataset.X_val, dataset.Y_val, "x")
    trainer = Trainer(broken, TrainConfig(hidden=10, lr=0.05, batch_size=100, epochs=1))
    start = {name: P.copy() for name, P in trainer.model.params.items()}
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="back to its weights from before"):
        trainer.step(seconds=0.0)
    for name in start:
        np.testing.assert_array_equal(trainer.model.params[name], start[name])
    assert trainer.session.done


def test_download_is_the_weights_json_and_upload_reads_it_back(dataset):
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=100, epochs=1))
    run(trainer)
    file = page_training.download(trainer.model)
    assert file["filename"].startswith("scratchnn-yours-10h-") and file["filename"].endswith(".json")
    params, metadata = weights.from_json(file["text"])
    for name in params:
        np.testing.assert_array_equal(params[name], trainer.model.params[name])
    assert metadata["trained_with"] == page_training.TRAINED_WITH
    loaded = page_training.upload(file["text"], file["filename"])
    assert loaded.name == "yours" and loaded.metadata["loaded_from"] == file["filename"]
    pixels = dataset.X_val[:, 0].tolist()
    assert (
        page.predict_input(loaded, pixels)["probabilities"]
        == page.predict_input(trainer.model, pixels)["probabilities"]
    )
    described = page.describe(loaded)
    assert described["hidden"] == 10 and described["trained_with"] == page_training.TRAINED_WITH
    assert described["history_epochs"] == 1


def test_upload_refuses_a_wrong_file_with_its_name_and_reason(dataset):
    text = weights.to_json(network.init_params(10))
    document = json.loads(text)
    document["arrays"]["b2"]["shape"] = [9, 1]
    with pytest.raises(weights.WeightsError, match=r"^mine\.json: arrays\.b2: shape \[9, 1\]"):
        page_training.upload(json.dumps(document), "mine.json")
    with pytest.raises(weights.WeightsError, match="photo.png: not valid JSON"):
        page_training.upload(b"\x89PNG\r\n", "photo.png")
    member = weights.to_json(network.init_params(10), {"normalise": "deslant"})  # a committee member
    with pytest.raises(weights.WeightsError, match=r"^member-1\.json: this network was trained on digits normalised"):
        page_training.upload(member, "member-1.json")


@pytest.mark.parametrize(
    ("lr", "message"),
    [
        ("abc", "Learning rate: 'abc' is not a number; try 0.05. Still training at 0.05."),
        ("nan", "Learning rate must be a number above 0 and at most 10, not nan. Still training at 0.05."),
        ("0", "Learning rate must be a number above 0"),
        ("-1", "Learning rate must be a number above 0"),
        (11, "Learning rate must be a number above 0 and at most 10, not 11"),
        ("", "Learning rate: enter a number such as 0.05. Still training at 0.05."),
        (None, "Learning rate: enter a number"),
    ],
)
def test_a_rate_change_is_checked_like_the_settings_and_a_bad_one_keeps_the_rate(dataset, lr, message):
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=20, epochs=1))
    trainer.step(seconds=0.0)
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        trainer.set_lr(lr)
    assert trainer.steering()["lr"] == 0.05 and trainer.steering()["lr_changes"] == []
    assert trainer.step(seconds=0.0)["lr"] == 0.05


def test_a_step_while_paused_is_exactly_one_batch(dataset):
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=20, epochs=1))
    trainer.step(seconds=0.0)
    assert trainer.pause() == {"lr": 0.05, "paused": True, "examples_seen": 20, "lr_changes": []}
    W1 = trainer.model.params["W1"].copy()
    one = trainer.step(seconds=0.0)  # what the worker calls for Step
    assert (one["epoch"], one["batch"], one["examples_seen"]) == (1, 2, 40)
    assert not np.array_equal(trainer.model.params["W1"], W1)
    assert trainer.steering()["paused"] and trainer.steering()["examples_seen"] == 40
    assert trainer.resume()["paused"] is False


def test_rate_changes_reach_the_progress_and_the_weights_file(dataset):
    first = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=100, epochs=1))
    run(first)
    trainer = Trainer(dataset, TrainConfig(hidden=10, lr=0.05, batch_size=100, epochs=2), first.model)
    for _ in range(5):
        assert trainer.step(seconds=0.0)["lr"] == 0.05
    answer = trainer.set_lr("0.2")
    assert answer == {"lr": 0.2, "paused": False, "examples_seen": 500,
                      "lr_changes": [{"epoch": 1 + 5 / 20, "examples_seen": 500, "lr": 0.2}]}  # fmt: skip
    last = run(trainer)
    assert last["lr"] == 0.2 and last["lr_changes"] == answer["lr_changes"]  # at the network's epochs
    assert [h["lr"] for h in last["history"][1:]] == [0.2, 0.2]  # an epoch's rate is its last step's
    _, metadata = weights.from_json(page_training.download(trainer.model)["text"])
    assert metadata["lr"] == 0.05  # the rate the run started with, and where it changed:
    assert metadata["lr_changes"] == [{"epoch": 1.25, "examples_seen": 2000 + 500, "lr": 0.2}]
    with pytest.raises(ValueError, match="the run has ended"):
        trainer.set_lr(0.1)
