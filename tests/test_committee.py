"""The committee: its averaged probabilities (scratchnn.committee) and scripts/committee.py as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scratchnn import committee, network, weights
from scratchnn.config import COMMITTEES, PRESETS, CommitteeConfig
from scratchnn.normalise import normalise

COMMITTEE = Path(__file__).resolve().parent.parent / "scripts" / "committee.py"
SMALL = ("--members", "2", "--hidden", "8", "--epochs", "1")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(COMMITTEE), *args], capture_output=True, text=True, timeout=300)


def test_the_committee_averages_its_members_probabilities(rng):
    members = [network.init_params(12, seed=seed) for seed in range(3)]
    X = rng.random((784, 50)).astype(np.float32)
    P = committee.probabilities(members, X, batch_size=16)  # in chunks: the same as all at once
    expected = sum(network.forward(params, X).A2 for params in members) / 3
    np.testing.assert_allclose(P, expected, rtol=1e-6)
    np.testing.assert_allclose(P.sum(axis=0), 1, rtol=1e-6)
    assert np.array_equal(committee.predict(members, X), np.argmax(expected, axis=0))
    assert np.array_equal(committee.predict(members[:1], X), network.predict(members[0], X))  # one member: itself
    with pytest.raises(ValueError, match="at least one member"):
        committee.probabilities([], X)


def test_the_committee_preset_is_checked():
    assert COMMITTEES["committee"].member in PRESETS
    with pytest.raises(ValueError, match="presets"):
        CommitteeConfig(member="bset")
    with pytest.raises(ValueError, match="members"):
        CommitteeConfig(members=0)


def test_a_small_committee_trains_measures_and_goes_on_where_it_stopped(tmp_path, mnist_data):
    out = tmp_path / "small"
    result = run(*SMALL, "--jobs", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "committee.json").read_text())
    loaded = [weights.load(out / f"member-{seed}.json") for seed in range(2)]
    members, normalisations = [params for params, _ in loaded], [metadata["normalise"] for _, metadata in loaded]
    assert normalisations == [COMMITTEES["committee"].normalisation(k) for k in range(2)] == [None, "deslant"]
    measured = network.accuracy(committee.predict(members, mnist_data.X_test, normalisations), mnist_data.Y_test)
    assert record["test_accuracy"] == pytest.approx(measured, abs=1e-12)  # measured from the files
    assert record["test_accuracy_by_size"][0] == pytest.approx(record["members"][0]["test_accuracy"])
    assert json.loads(result.stdout.splitlines()[-1])["test_accuracy"] == record["test_accuracy"]
    assert record["members"][0]["sha256"] != record["members"][1]["sha256"]  # two seeds, two networks

    before = {path.name: path.stat().st_mtime_ns for path in out.glob("member-*.json")}
    again = run(*SMALL, "--out", str(out))  # both there: nothing to train
    assert again.returncode == 0, again.stderr
    assert "2 there, 0 to train" in again.stderr
    assert {path.name: path.stat().st_mtime_ns for path in out.glob("member-*.json")} == before

    (out / "member-1.json").unlink()  # stopped after the first member: only the second is trained
    resumed = run(*SMALL, "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert "1 there, 1 to train" in resumed.stderr
    assert (out / "member-0.json").stat().st_mtime_ns == before["member-0.json"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda out: out.write_text("not a folder"), "is not a folder"),
        (lambda out: (out.mkdir(), (out / "member-0.json").write_text("{ my notes")), "not a weights file"),
        (lambda out: (out.mkdir(), (out / "member-1.json").mkdir()), "folder"),
        (lambda out: (out.mkdir(), (out / "member-0.log").mkdir()), "folder"),
    ],
    ids=["out-is-a-file", "member-is-not-weights", "member-is-a-folder", "log-is-a-folder"],
)
def test_what_is_not_the_committees_is_refused_and_left_alone(tmp_path, setup, message):
    out = tmp_path / "out"
    setup(out)
    snapshot = sorted((p.name, p.is_dir(), p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*"))
    result = run(*SMALL, "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "error: " in result.stderr and message in result.stderr and "Traceback" not in result.stderr
    assert "to train" not in result.stderr  # refused before the data or any training
    assert sorted((p.name, p.is_dir(), p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*")) == snapshot


def test_a_member_with_other_settings_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    assert run("--members", "1", "--hidden", "8", "--epochs", "1", "--out", str(out)).returncode == 0
    kept = (out / "member-0.json").read_bytes()
    result = run("--members", "1", "--hidden", "9", "--epochs", "1", "--out", str(out))
    assert result.returncode == 2 and "other settings (hidden)" in result.stderr, result.stderr
    assert (out / "member-0.json").read_bytes() == kept


def test_evaluate_only_needs_every_member(tmp_path):
    result = run(*SMALL, "--evaluate-only", "--out", str(tmp_path))
    assert result.returncode == 2 and "members [0, 1] are not in" in result.stderr, result.stderr


@pytest.mark.parametrize("bad", [["--members", "0"], ["--members", "101"], ["--jobs", "x"], ["--hidden", "-3"]])
def test_bad_values_are_refused_by_name(bad):
    result = run(*bad)
    assert result.returncode == 2 and bad[0] in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_each_member_sees_the_digits_as_it_was_trained_to(mnist_data):
    members = [network.init_params(12, seed=seed) for seed in range(2)]
    X = mnist_data.X_test[:, :40]
    P = committee.probabilities(members, X, [None, "deslant+width-14"])
    normalised = normalise(X, "deslant+width-14")
    expected = (network.forward(members[0], X).A2 + network.forward(members[1], normalised).A2) / 2
    np.testing.assert_allclose(P, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="2 members but 1 normalisations"):
        committee.probabilities(members, X, [None])
