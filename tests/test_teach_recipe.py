"""The teaching recipe (browser/teach.py) on real data: the 15 digits drawn with the mouse in the
page in five styles the default network misreads (results/teaching/mine.json, written by
scripts/measure_teaching.py --save), real MNIST replayed, the committed default network. After
teaching, those digits and 20 fresh drawings of the same styles (fresh.json) read right, and the
validation accuracy on the 1,000 held-out digits stays within 0.5 points. CPython only (it reads
the repository's files and MNIST)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scratchnn import mnist
from scratchnn.browser import digits as digits_file
from scratchnn.browser import load_model, subset, teach
from scratchnn.browser.trainer import Dataset

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "results" / "teaching"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The page's own data: the subset file build_site.py makes from the real MNIST files."""
    X, Y, X_val, Y_val = subset.read(subset.build(mnist.read_raw(), n_train=10_000), dtype="float32")
    return Dataset(X, Y, X_val, Y_val, sha256="0" * 64)


def test_the_recipe_teaches_the_styles_and_keeps_mnist(dataset):
    mine = digits_file.from_json((TEACHING / "mine.json").read_text(), "mine.json")
    fresh = digits_file.from_json((TEACHING / "fresh.json").read_text(), "fresh.json")
    model = load_model("default", (ROOT / "web" / "weights" / "default.json").read_text())
    before_mine, before_fresh = (teach.look(model.params, d, dataset) for d in (mine, fresh))
    assert before_mine["correct"] < mine.n and before_fresh["correct"] < fresh.n  # the styles are misread
    teacher = teach.Teacher(model, mine, dataset)
    while not teacher.done:
        teacher.step(1.0)
    after_mine, after_fresh = (teach.look(teacher.params, d, dataset) for d in (mine, fresh))
    assert after_mine["correct"] == mine.n
    assert after_fresh["correct"] >= 0.9 * fresh.n  # drawings it never trained on
    assert abs(after_mine["val_accuracy"] - before_mine["val_accuracy"]) <= 0.005
