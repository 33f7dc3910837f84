"""Build the two notebooks from the cells written out below, so that every cell is reviewable as code.

    python notebooks/build.py        # write walkthrough.ipynb (executed, with its outputs) and exercises.ipynb

The walkthrough is executed in a fresh kernel exactly as ``tests/test_notebooks.py`` executes it
(``execute`` below: one BLAS thread, seeds everywhere), so the outputs saved here are the ones the
test expects again; ``text_outputs`` is what it compares, timings masked. The exercises are saved
without outputs, with their blanks: ``fill`` puts ``ANSWERS`` (or one of ``WRONG_ANSWERS``) in.
Needs the ``notebook`` extra (nbformat, nbclient, ipykernel, matplotlib) and MNIST: set
SCRATCHNN_DATA_DIR to a folder with the four files, or the loader downloads them.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
WALKTHROUGH = HERE / "walkthrough.ipynb"
EXERCISES = HERE / "exercises.ipynb"
CELL_TIMEOUT = 300  # seconds for any one cell (the longest takes about 15 s on a quiet 2-core machine)
# The kernel's environment: one BLAS thread, so that float sums come out the same every run (and
# two-thread OpenBLAS on a loaded 2-core machine is slower, not faster); inline PNG figures.
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
KERNEL_NAME = "scratchnn-notebook"
BLANK = "blank("  # the line of an exercise cell that the learner writes


def cell_id(prefix: str, index: int) -> str:
    return f"{prefix}-{index:02d}"


def notebook(prefix: str, cells: list[tuple[str, str, list[str]]]) -> nbformat.NotebookNode:
    """A notebook of (kind, source, tags) cells with stable ids, so a rebuild changes nothing it need not."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    for index, (kind, source, tags) in enumerate(cells):
        source = source.strip("\n")
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell.id = cell_id(prefix, index)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def md(text: str) -> tuple[str, str, list[str]]:
    return ("md", text, [])


def code(text: str, *tags: str) -> tuple[str, str, list[str]]:
    return ("code", text, list(tags))


def exercise(text: str) -> tuple[str, str, list[str]]:
    """A cell for the learner: it defines a function with one blank line; tagged exercise-<function>."""
    name = re.search(r"^def (\w+)\(", text, re.MULTILINE)
    assert name is not None, "an exercise cell defines a function"
    return code(text, "exercise", f"exercise-{name[1]}")


def check(text: str) -> tuple[str, str, list[str]]:
    """The cell after an exercise: it compares the learner's function with the package's."""
    return code(text, "check")


# ---------------------------------------------------------------------------------------------
# The walkthrough: the original notebook's story, in its order and notation, on the package.

WALKTHROUGH_CELLS = [
    md("""
# ScratchNN, the walkthrough

A two-layer neural network that reads handwritten digits, written from scratch in NumPy. ScratchNN
grew out of a notebook that told this story; here it is again, in the same order and the same
notation (`W1`, `b1`, `Z1`, `A1`, `dZ2`, ...), but every cell runs the package's own code in
`python/scratchnn/`, the code that `scripts/train.py` trains with and that the web page runs in your
browser. Load the data, look at it, write the forward pass and backpropagation, check the gradient,
train the original's way to 85%, then fix what holds it back, and read the mistakes.

**To run it:** in the checkout, `pip install -e ".[notebook]"`, then `jupyter lab notebooks/`.
MNIST is read from the folder in `$SCRATCHNN_DATA_DIR` (set it before starting Jupyter, e.g.
`export SCRATCHNN_DATA_DIR=/path/to/mnist`), else from `~/.cache/scratchnn/mnist`, where the loader
downloads the four files and checks their checksums if they are missing.

Every cell finishes in seconds; where the full run takes longer, the cell trains on a subset and
says so. The whole notebook takes about a minute on 2 cores. The test command (`./scripts/test.sh`)
runs it from top to bottom in a fresh kernel and checks that its printed outputs are the ones saved
here; then try the exercises in `exercises.ipynb`.
"""),
    code("""
%matplotlib inline
import dataclasses
import inspect
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import scratchnn
from scratchnn import augment, mnist, network, training, weights
from scratchnn.config import PRESETS

np.set_printoptions(precision=4, suppress=True, linewidth=110)
plt.rcParams.update({"figure.dpi": 72, "image.cmap": "gray_r", "axes.grid": False})
ROOT = Path(scratchnn.__file__).resolve().parents[2]  # the checkout: python/scratchnn/__init__.py
"""),
    md("""
## 1. The data

MNIST: 70,000 handwritten digits of 28 × 28 grey pixels, 60,000 for training and 10,000 for
testing. `mnist.load()` finds the four original files, checks each one's size and SHA-256 against
the published values (a corrupt or truncated file is refused, with its name), and does the
original's preprocessing: shuffle the training images (seed 0), hold out the first 1,000 as the
validation set, flatten every image into a **column** of 784 numbers and divide by 255.
"""),
    code("""
data = mnist.load(seed=0)  # looks in $SCRATCHNN_DATA_DIR, then ~/.cache/scratchnn/mnist
for name, (size, sha256) in mnist.FILES.items():
    print(f"{name:27} {size:>10,} bytes, SHA-256 {sha256[:12]}… (checked)")
print()
for name in ("X_train", "Y_train", "X_val", "Y_val", "X_test", "Y_test"):
    array = getattr(data, name)
    print(f"{name:8} {array.shape!s:13} {array.dtype}")
print()
print("pixels from", data.X_train.min(), "to", data.X_train.max())
print("how many of each digit, 0 to 9:", np.bincount(data.Y_train))
"""),
    md("""
## 2. A look at the digits

Column `j` of `X_train` is image `j`, its 784 pixels row by row: `reshape(28, 28)` gives the picture
back.
"""),
    code("""
fig, axes = plt.subplots(4, 12, figsize=(12, 4.6))
for j, ax in enumerate(axes.flat):
    ax.imshow(data.X_train[:, j].reshape(28, 28))
    ax.set_title(str(data.Y_train[j]))
    ax.axis("off")
fig.suptitle("The first 48 training images (after the shuffle) and their labels")
plt.show()
"""),
    md("""
## 3. The network and its shapes

With `H` hidden units (10 in the original) and `m` images as the columns of `X`:

```
Z1 = W1 X + b1        W1: H × 784,  b1: H × 1     Z1: H × m
A1 = ReLU(Z1)         ReLU(z) = max(z, 0)
Z2 = W2 A1 + b2       W2: 10 × H,   b2: 10 × 1    Z2: 10 × m
A2 = softmax(Z2)      column j of A2: the ten probabilities for image j
```

The parameters are a plain dict of four arrays. The original drew every one of them, biases too,
uniformly from [-0.5, 0.5): `init="uniform"`.
"""),
    code("""
params = network.init_params(10, init="uniform", dtype="float64", seed=0)  # the original's network
for name, P in params.items():
    print(f"{name}: {P.shape!s:10} from {P.min():+.3f} to {P.max():+.3f}")
"""),
    md("""
## 4. Forward

The forward pass, as `network.py` writes it: one equation a line. (Training runs the same math from
`fast.py`, which reuses memory and works in place; the tests hold the two equal.)
"""),
    code("""
print(inspect.getsource(network.ReLU))
print(inspect.getsource(network.softmax))
print(inspect.getsource(network.forward))
"""),
    code("""
X5, Y5 = data.X_train[:, :5], data.Y_train[:5]
Z1, A1, Z2, A2 = network.forward(params, X5)
print("Z1, A1:", Z1.shape, A1.shape, " Z2, A2:", Z2.shape, A2.shape)
print("A2, a column of ten probabilities for each of the first five images:")
print(A2)
print("each column sums to", A2.sum(axis=0))
print("predicted:", A2.argmax(axis=0), " true:", Y5, " (untrained: guesses)")
"""),
    md("""
**Softmax at ±1000.** `exp(1000)` overflows to infinity and `exp(-1000)` underflows to 0, so the
formula as written gives `inf / inf` or `0 / 0`: NaN. Subtracting each column's maximum first
changes nothing mathematically (the factor cancels in the ratio) and keeps every exponent ≤ 0.
"""),
    code("""
Z = np.array([[1000.0, -1000.0], [999.0, -1000.0], [0.0, -1001.0]])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)  # the formula, as it stands
print("exp(Z) / sum exp(Z):\\n", naive)
print("network.softmax(Z):\\n", network.softmax(Z))
"""),
    md("""
## 5. The loss

The mean cross-entropy: minus the log of the probability the network gives the right digit,
averaged over the images, `L = -1/m Σ_j log A2[y_j, j]`. A network that says 1/10 for every digit
scores `log 10 ≈ 2.30`; the original's random start is worse than that, because it is confidently
wrong.
"""),
    code("""
print(inspect.getsource(network.cross_entropy))
A2_val = network.forward(params, data.X_val).A2
print(f"untrained, on the 1,000 validation images: loss {network.cross_entropy(A2_val, data.Y_val):.4f},", end=" ")
print(f"accuracy {network.accuracy(A2_val.argmax(axis=0), data.Y_val):.1%}")
print(f"saying 1/10 for every digit: loss -log(1/10) = {np.log(10):.4f}, accuracy about 10%")
"""),
    md("""
## 6. Backward, and a check of the gradient

Backpropagation is the chain rule from the loss backwards. Softmax and cross-entropy together give
a strikingly simple error at the output, `dZ2 = A2 - Y_onehot`, and everything else follows:
"""),
    code("""
print(inspect.getsource(network.backward))
"""),
    md("""
Is it right? Nudge one parameter by `h` up and down and watch the loss: `(L(p + h) - L(p - h)) / 2h`
is the slope along that parameter, to within `h²`. Doing that for **every** entry of a small network
(4 hidden units, float64, 20 images: 3,190 parameters) and comparing with `backward` is the numeric
gradient check; the relative error `‖a - b‖ / (‖a‖ + ‖b‖)` should be tiny (`tests/test_network.py`
asks for less than 1e-6).
"""),
    code("""
def numeric_gradient(params, X, Y, h=1e-5):
    \"\"\"Central differences, one parameter entry at a time.\"\"\"
    grads = {}
    for name, P in params.items():
        G = np.zeros_like(P)
        for index in np.ndindex(P.shape):
            saved = P[index]
            P[index] = saved + h
            loss_plus = network.cross_entropy(network.forward(params, X).A2, Y)
            P[index] = saved - h
            loss_minus = network.cross_entropy(network.forward(params, X).A2, Y)
            P[index] = saved
            G[index] = (loss_plus - loss_minus) / (2 * h)
        grads[name] = G
    return grads


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


small = network.init_params(4, init="he", dtype="float64", seed=1)
X20, Y20 = data.X_val[:, :20].astype("float64"), data.Y_val[:20]
numeric = numeric_gradient(small, X20, Y20)
analytic = network.backward(small, X20, Y20, network.forward(small, X20))
for name in small:
    error = relative_error(analytic[name], numeric[name])
    print(f"d{name}: relative error {error:.1e}", "ok" if error < 1e-6 else "WRONG")
"""),
    md("""
The check catches real mistakes. The original summed the bias gradient over the whole layer into
**one** number (`db2 = 1/m * np.sum(dZ2)`), where the math says one number **per unit**
(`np.sum(dZ2, axis=1, keepdims=True)`). Put the original's line back and the check says so:
"""),
    code("""
original = dict(analytic)
dZ2 = network.forward(small, X20).A2 - network.one_hot(Y20, "float64")
original["b2"] = np.full_like(analytic["b2"], np.sum(dZ2) / Y20.size)  # the original's db2: one number
print(f"db2 as the original computed it: relative error {relative_error(original['b2'], numeric['b2']):.2f}")
"""),
    md("""
## 7. Gradient descent, the original's way

Move every parameter a step `α` downhill, `W := W - α dW`, and repeat. The original used all the
training images for every step (full batch), `α = 0.10`, 500 iterations, 10 hidden units and its
uniform start: the `seed` preset. Here is its loop, written out with `network.py`; the package's
`training.train` takes the same steps (the same numbers, to rounding):
"""),
    code("""
def gradient_descent(params, X, Y, alpha, iterations):
    \"\"\"The original's loop: forward, backward, a step downhill for each of W1, b1, W2, b2.\"\"\"
    for _ in range(iterations):
        cache = network.forward(params, X)
        grads = network.backward(params, X, Y, cache)
        for name in params:
            params[name] = params[name] - alpha * grads[name]
    return params


seed_preset = PRESETS["seed"]
print(seed_preset)
n = 10_000  # a subset: see below
X_sub, Y_sub = data.X_train[:, :n], data.Y_train[:n]
by_hand = gradient_descent(network.init_params(10, "uniform", "float64", seed=0), X_sub, Y_sub, 0.10, 10)
package = network.init_params(10, "uniform", "float64", seed=0)
training.train(package, X_sub, Y_sub, epochs=10, lr=0.10)  # full batch (batch_size=None), no momentum
difference = max(np.abs(by_hand[name] - package[name]).max() for name in package)
print("after 10 steps, by hand and training.train agree to 1e-12:", difference < 1e-12)
"""),
    md("""
Now the 500 iterations, with the package. On all 59,000 training images they take about 45 s
(`scripts/train.py --preset seed`: 85.40% on the test set); here they run on the first **10,000**,
a sixth of the work, and land within a few tenths of a point. `run` trains a fresh network
from a preset and prints its progress; it is the training command in a few lines.
"""),
    code("""
SETTINGS = ("epochs", "lr", "batch_size", "momentum", "lr_decay", "augment")  # what training.train takes from a config


def run(config, X, Y, every, seed=0):
    \"\"\"Train a fresh network with `config` on (X, Y), printing every `every` epochs (full batch: iterations).\"\"\"
    params = network.init_params(config.hidden, config.init, config.dtype, seed=seed)
    unit = "iteration" if config.batch_size is None else "epoch"

    def show(report):
        if report.epoch % every == 0:
            print(f"{unit} {report.epoch:3}: loss {report.loss:.4f},", end=" ")
            print(f"training accuracy {report.accuracy:.2%}, validation accuracy {report.val_accuracy:.2%}")

    settings = {name: getattr(config, name) for name in SETTINGS}
    start = time.perf_counter()
    history = training.train(params, X, Y, seed=seed, X_val=data.X_val, Y_val=data.Y_val, on_epoch=show, **settings)
    seconds = time.perf_counter() - start
    test_accuracy = network.accuracy(network.predict(params, data.X_test), data.Y_test)
    print(f"test accuracy {test_accuracy:.2%} on the 10,000 test images ({seconds:.1f} s)")
    return params, history, test_accuracy


original_net, original_history, original_test = run(seed_preset, X_sub, Y_sub, every=50)
"""),
    md("""
The original ended by showing test images with its predictions. Its network reads most of them:
"""),
    code("""
fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
predicted = network.predict(original_net, data.X_test[:, :10])
for j, ax in enumerate(axes):
    ax.imshow(data.X_test[:, j].reshape(28, 28))
    ax.set_title(f"read {predicted[j]}\\n(is {data.Y_test[j]})", fontsize=10)
    ax.axis("off")
plt.show()
"""),
    md("""
## 8. What holds it back, and what fixes it

The network is small, but above all its training is slow: 500 steps, each one over all 10,000
images. Three fixes, each a value of `TrainConfig`, added one at a time; each run measures the
validation accuracy after every step and stops as soon as it reaches the original's after 500:

- **He initialisation.** Uniform weights in [-0.5, 0.5) make `Z1` far too large for 784 inputs
  (and the biases start at random). He et al. (2015) draw `W ~ N(0, 2 / fan_in)` and start the
  biases at 0, which keeps every layer's output at the scale of its input through a ReLU.
- **Mini-batches.** A full-batch step looks at every image to move once. A mini-batch of 100
  images gives a step for 1/100 of that work: noisier, but a hundred of them go much further.
- **Momentum.** A velocity remembers past steps, `V := μ V - α dW; W := W + V` (`μ = 0.9`), so
  the steps build up along directions that keep going downhill and cancel where they zigzag.

`training.training_steps` is a generator, one step at a time, so stopping early is a `break`:
"""),
    code("""
def images_to_reach(config, target, X, Y, max_steps=500):
    \"\"\"Train a fresh network with `config`, measuring the validation accuracy after every step, until it
    reaches `target`. Returns the curve: (images looked at so far, validation accuracy) after each step.\"\"\"
    params = network.init_params(config.hidden, config.init, config.dtype, seed=0)
    steps = training.training_steps(params, X, Y, seed=0, **{name: getattr(config, name) for name in SETTINGS})
    curve, images = [], 0
    for step, report in enumerate(steps, start=1):
        images += report.examples
        curve.append((images, training.evaluate(params, data.X_val, data.Y_val)[1]))
        if curve[-1][1] >= target or step == max_steps:
            break
    return curve


target = original_history[-1].val_accuracy  # what the original reached in 500 steps
variants = {
    "+ He init": dataclasses.replace(seed_preset, init="he"),
    "+ mini-batches of 100": dataclasses.replace(seed_preset, init="he", batch_size=100, epochs=5),
    "+ momentum 0.9": dataclasses.replace(seed_preset, init="he", batch_size=100, epochs=5, momentum=0.9),
}
original_curve = [(n * h.epoch, h.val_accuracy) for h in original_history]
first = next(i for i, (_, accuracy) in enumerate(original_curve) if accuracy >= target)
curves = {"the original (seed)": original_curve[: first + 1]}
for name, config in variants.items():
    curves[name] = images_to_reach(config, target, X_sub, Y_sub)

print(f"to {target:.1%} on the validation images:   steps   images looked at")
for name, curve in curves.items():
    reached = "" if curve[-1][1] >= target else f" (not reached: {curve[-1][1]:.1%})"
    print(f"{name:36} {len(curve):>5} {curve[-1][0]:>18,}{reached}")

fig, ax = plt.subplots(figsize=(8, 4))
for name, curve in curves.items():
    images, accuracy = zip(*curve, strict=True)
    ax.plot(images, accuracy, label=name)
ax.axhline(target, color="grey", lw=0.8, ls="--")
ax.set(xscale="log", xlabel="images looked at (log scale)", ylabel="validation accuracy", ylim=(0, 1))
ax.set_title(f"Until each reaches {target:.1%}, the original's accuracy after 500 steps")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
"""),
    md("""
He initialisation gets there in about a quarter of the steps. Mini-batches take about as many steps
again, but each looks at 100 images instead of 10,000: a hundredth of the work. Momentum needs
fewer than half as many.

All three together, on all 59,000 training images, with the learning rate decaying a little every
epoch (`α = 0.1 × 0.93^epoch`): the `tiny` preset. The same 10 hidden units as the original, 30
epochs, a few seconds:
"""),
    code("""
print(PRESETS["tiny"])
tiny_net, tiny_history, tiny_test = run(PRESETS["tiny"], data.X_train, data.Y_train, every=5)
"""),
    md("""
## 9. A wider network

Ten hidden units are ten 28 × 28 templates to read every digit with. With 128 (batches of 128,
15 epochs, `α = 0.1 × 0.85^epoch`: the README's "plain 128") the same code passes 98%:
"""),
    code("""
wide_config = dataclasses.replace(PRESETS["tiny"], hidden=128, epochs=15, batch_size=128, lr_decay=0.85)
wide, wide_history, wide_test = run(wide_config, data.X_train, data.Y_train, every=3)
"""),
    md("""
The page's own network, `default`, is wider still (512 hidden units) and trained for 40 epochs on
warped digits (section 12); that takes about 80 s, so here is the committed one,
`web/weights/default.json`, measured on the same test set:
"""),
    code("""
default_net, default_metadata = weights.load(ROOT / "web" / "weights" / "default.json")
default_test = network.accuracy(network.predict(default_net, data.X_test), data.Y_test)
hidden, stored = default_net["W1"].shape[0], default_metadata["store_dtype"]
print(f"default: {hidden} hidden units, {default_metadata['epochs']} epochs, stored as {stored}:", end=" ")
print(f"test accuracy {default_test:.2%}")
"""),
    md("""
## 10. Learning curves

The 128-unit network's loss and accuracy after every epoch (the training figures are averages over
the epoch's batches, while the weights were still moving). The training loss keeps falling; the
validation loss levels off after about six epochs: from there on the network learns these 59,000
images more than it learns digits. Augmentation (section 12) works against that.
"""),
    code("""
epochs = [h.epoch for h in wide_history]
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
ax_loss.plot(epochs, [h.loss for h in wide_history], "o-", label="training")
ax_loss.plot(epochs, [h.val_loss for h in wide_history], "o-", label="validation")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss", yscale="log")
ax_acc.plot(epochs, [h.accuracy for h in wide_history], "o-", label="training")
ax_acc.plot(epochs, [h.val_accuracy for h in wide_history], "o-", label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0.9, 1.0))
for ax in (ax_loss, ax_acc):
    ax.grid(alpha=0.3)
    ax.legend()
plt.show()
"""),
    md("""
## 11. The confusion matrix, and the most confident mistakes

Row `i`, column `j`: how many test images of digit `i` the network read as `j`. The diagonal is
what it gets right; the rest says which digits it confuses.
"""),
    code("""
A2_test = network.forward(wide, data.X_test).A2
predicted = A2_test.argmax(axis=0)
counts = np.zeros((10, 10), dtype=np.int64)
np.add.at(counts, (data.Y_test, predicted), 1)  # as scratchnn.plots.confusion_matrix

fig, ax = plt.subplots(figsize=(6, 5.5))
ax.imshow(counts, cmap="Blues", norm="log")
for i in range(10):
    for j in range(10):
        color = "white" if counts[i, j] > counts.max() / 2 else "black"
        ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8, color=color)
ax.set(xlabel="read as", ylabel="true digit", xticks=range(10), yticks=range(10))
ax.set_title(f"128 hidden units: {np.trace(counts):,} of 10,000 right")
plt.show()

off_diagonal = counts - np.diag(np.diag(counts))
print("most frequent confusions:")
for flat in np.argsort(-off_diagonal, axis=None, kind="stable")[:5]:
    i, j = divmod(int(flat), 10)
    print(f"  {i} read as {j}: {off_diagonal[i, j]} times")
"""),
    md("""
The mistakes it is surest of. Some are the network's fault; some are digits a person would
hesitate over, and a few look mislabelled.
"""),
    code("""
wrong = np.flatnonzero(predicted != data.Y_test)
confidence = A2_test[predicted[wrong], wrong]
surest = wrong[np.argsort(-confidence, kind="stable")[:16]]
print(f"{wrong.size} mistakes out of 10,000; the 16 most confident:")
fig, axes = plt.subplots(2, 8, figsize=(12, 3.6))
for j, ax in zip(surest, axes.flat, strict=True):
    ax.imshow(data.X_test[:, j].reshape(28, 28))
    ax.set_title(f"read {predicted[j]} ({A2_test[predicted[j], j]:.0%})\\nis {data.Y_test[j]}", fontsize=10)
    ax.axis("off")
plt.show()
"""),
    md("""
## 12. Augmentation

A two-layer network sees pixels, not shapes: move a digit by 4 pixels and most of its input is
new. So the page's `default` and the `best` presets train on digits **warped afresh for every
batch** by `scratchnn.augment` (pure NumPy, so it runs in the browser too): a random rotation,
scale, shear and shift, an elastic distortion (Simard et al. 2003) and thicker or thinner strokes.
Labels are never touched. One test digit, each warp on its own (eight random draws a row), then
all of `default`'s together:
"""),
    code("""
print(PRESETS["default"].augment)
rng = np.random.default_rng(0)
digit = np.repeat(data.X_test[:, [0]], 8, axis=1)  # eight copies of one test digit
rows = {
    "rotate ±20°": augment.Augment(rotate=20),
    "scale 0.8–1.2": augment.Augment(scale=0.2),
    "shear ±0.15": augment.Augment(shear=0.15),
    "shift ±4 px": augment.Augment(shift=4),
    "elastic α=15, σ=4": augment.Augment(alpha=15, sigma=4),
    "strokes": augment.Augment(stroke=0.5),
    "all (default)": PRESETS["default"].augment,
}
fig, axes = plt.subplots(len(rows), 9, figsize=(10, 8.4))
for (label, warp), row in zip(rows.items(), axes, strict=True):
    images = np.hstack([digit[:, :1], warp(digit, rng)])
    for k, ax in enumerate(row):
        ax.imshow(images[:, k].reshape(28, 28))
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(label, rotation=0, ha="right", va="center")
axes[0, 0].set_title("original")
plt.show()
"""),
    md("""
What it buys: the 128-unit network trained above on plain digits, and the page's `default`,
on the 10,000 test digits each shifted at random by up to 4 pixels (`scripts/robustness.py`
measures this and more for every network):
"""),
    code("""
shifted = augment.Augment(shift=4)(data.X_test, np.random.default_rng(0))
for name, net in (("plain, 128 hidden units", wide), ("default, trained on warped digits", default_net)):
    clean = network.accuracy(network.predict(net, data.X_test), data.Y_test)
    moved = network.accuracy(network.predict(net, shifted), data.Y_test)
    print(f"{name:34} clean {clean:.2%}, shifted up to 4 px {moved:.2%}")
"""),
    md("""
## 13. Saving weights that the page can load

`weights.save` writes the network as one JSON document (format `scratchnn-weights`, the layer
sizes, every array with its shape, dtype and SHA-256, and free-form metadata), atomically;
`weights.load` reads it back and checks all of it. It is the file `scripts/train.py` writes, and the
one the page's **Load weights…** button (in the *Train it yourself* panel) accepts, so the network
trained here can be drawn on. This one goes to a temporary folder; `print(path)` says where.
"""),
    code("""
path = Path(tempfile.mkdtemp(prefix="scratchnn-")) / "notebook-128.json"
metadata = {
    "preset": "notebook",
    "trained_with": "notebooks/walkthrough.ipynb",
    "hidden": 128,
    "epochs": wide_config.epochs,
    "config": wide_config.to_dict(),
    "val_accuracy": wide_history[-1].val_accuracy,
    "test_accuracy": wide_test,
    "history": {"loss": [h.loss for h in wide_history], "val_accuracy": [h.val_accuracy for h in wide_history]},
}
weights.save(path, wide, metadata)
loaded, loaded_metadata = weights.load(path)
print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
print("read back bit-identical:", all(np.array_equal(loaded[name], wide[name]) for name in wide))
print("the same predictions:", np.array_equal(network.predict(loaded, data.X_test), predicted))
print("metadata test accuracy:", f"{loaded_metadata['test_accuracy']:.2%}")
"""),
    md("""
## 14. Your turn

Change something and run the cells again: the hidden units in section 9 (`hidden=32`, `hidden=512`),
the learning rate (`lr=0.5`, `lr=0.01`), the batch size, momentum 0, or a preset's augmentation on
the wide network (`augment=PRESETS["default"].augment`, with more epochs).
`scripts/train.py --help` does the same from the command line, with progress bars and plots.

Then `exercises.ipynb`: softmax, the ReLU derivative, a line of backpropagation and a momentum step,
written by you and checked against the package.
"""),
]


# ---------------------------------------------------------------------------------------------
# The exercises: one blank line each (a call to blank()), then a cell that checks it.

EXERCISE_CELLS = [
    md("""
# ScratchNN exercises

Four pieces of the network to write yourself. In each exercise cell, replace the line that calls
`blank(...)` with your code and run it; the cell after it compares your function with the package's
own (`scratchnn.network`, `scratchnn.training`) and prints `correct`, or stops and says what differs.
The walkthrough (`walkthrough.ipynb`) and `python/scratchnn/network.py` have the answers, so try
first. Open with `jupyter lab notebooks/` after `pip install -e ".[notebook]"`.
"""),
    code("""
import numpy as np

from scratchnn import network, training


def blank(what):
    \"\"\"A line for you to write: until you do, the cell that calls it stops here.\"\"\"
    raise NotImplementedError(f"your code goes here: {what}")
"""),
    md("""
## 1. Softmax

`softmax(Z)[i, j] = exp(Z[i, j]) / Σ_k exp(Z[k, j])`, column by column: each column of `Z` holds one
image's ten scores. Make it safe for scores of ±1000 (hint: what can you subtract from a column
without changing the result?).
"""),
    exercise("""
def softmax(Z):
    \"\"\"Column by column: the ten probabilities for each column of scores Z (10, m).\"\"\"
    return blank("softmax of each column of Z")
"""),
    check("""
rng = np.random.default_rng(1)
Z = rng.standard_normal((10, 6)) * 5
Z[:3, 0] = [1000, -1000, 999]  # exp(1000) overflows
Z[:, 1] = -1000  # exp(-1000) underflows to 0
mine = np.asarray(softmax(Z))
assert mine.shape == Z.shape, f"shape {mine.shape}, expected {Z.shape}"
assert np.all(np.isfinite(mine)), f"NaN or infinity in columns {np.flatnonzero(~np.isfinite(mine).all(axis=0))}"
np.testing.assert_allclose(mine, network.softmax(Z), rtol=1e-10, atol=1e-300)
print("softmax: correct")
"""),
    md("""
## 2. The derivative of ReLU

`ReLU(z) = max(z, 0)`, so `ReLU'(z)` is 1 where `z > 0` and 0 elsewhere (at exactly 0 too, by
convention). Return it element by element, as booleans or as 0 and 1.
"""),
    exercise("""
def ReLU_deriv(Z):
    \"\"\"ReLU'(Z), element by element.\"\"\"
    return blank("ReLU'(Z)")
"""),
    check("""
rng = np.random.default_rng(2)
Z = np.vstack([[-2.0, -1e-9, 0.0, 1e-9, 3.0], rng.standard_normal((4, 5))])
mine = np.asarray(ReLU_deriv(Z))
assert mine.shape == Z.shape, f"shape {mine.shape}, expected {Z.shape}"
np.testing.assert_array_equal(mine.astype(float), network.ReLU_deriv(Z).astype(float))
print("ReLU_deriv: correct")
"""),
    md("""
## 3. One line of backpropagation

Here is `backward` with one line missing: the error at the hidden layer, `dZ1 = W2ᵀ dZ2 ∗ ReLU'(Z1)`
(a matrix product, then an element-wise product). Its shape is that of `Z1`, (H, m).
"""),
    exercise("""
def backward(params, X, Y, cache):
    \"\"\"The gradients of the mean cross-entropy loss, as network.backward computes them.\"\"\"
    m = Y.size
    dZ2 = cache.A2 - network.one_hot(Y, cache.A2.dtype)
    dW2 = dZ2 @ cache.A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = blank("dZ1 from params['W2'], dZ2 and cache.Z1")
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    check("""
rng = np.random.default_rng(3)
params = network.init_params(6, dtype="float64", seed=3)
X, Y = rng.random((784, 8)), rng.integers(0, 10, 8)
cache = network.forward(params, X)
mine, package = backward(params, X, Y, cache), network.backward(params, X, Y, cache)
for name in package:
    np.testing.assert_allclose(mine[name], package[name], rtol=1e-12, atol=1e-15, err_msg=f"d{name}")
print("backward: correct")
"""),
    md("""
## 4. A step with momentum

Plain gradient descent moves `W := W - α dW`. With momentum `μ`, a velocity `V` (it starts at 0)
remembers the past steps: `V := μ V - α dW`, then `W := W + V`. Return the new `W` and `V`.
"""),
    exercise("""
def momentum_step(W, V, dW, lr, momentum):
    \"\"\"One step for one parameter array: returns (new W, new V).\"\"\"
    return blank("the new W and V")
"""),
    check("""
rng = np.random.default_rng(4)
X, Y = rng.random((784, 16)), rng.integers(0, 10, 16)
mine = network.init_params(8, dtype="float64", seed=4)
package = {name: P.copy() for name, P in mine.items()}
V_mine = {name: np.zeros_like(P) for name, P in mine.items()}
V_package = {name: np.zeros_like(P) for name, P in mine.items()}
for step in range(1, 4):
    grads = network.backward(mine, X, Y, network.forward(mine, X))
    for name in mine:
        mine[name], V_mine[name] = momentum_step(mine[name], V_mine[name], grads[name], lr=0.1, momentum=0.9)
    training.gradient_step(package, V_package, X, Y, lr=0.1, momentum=0.9)  # the package's step, in place
    for name in mine:
        np.testing.assert_allclose(mine[name], package[name], rtol=1e-9, atol=1e-12, err_msg=f"{name}, step {step}")
print("momentum_step: correct")
"""),
]

# What replaces each exercise's blank line: the answers, and plausible mistakes the checks must catch.
ANSWERS = {
    "exercise-softmax": "E = np.exp(Z - Z.max(axis=0, keepdims=True))\nreturn E / E.sum(axis=0, keepdims=True)",
    "exercise-ReLU_deriv": "return Z > 0",
    "exercise-backward": 'dZ1 = params["W2"].T @ dZ2 * network.ReLU_deriv(cache.Z1)',
    "exercise-momentum_step": "V = momentum * V - lr * dW\nreturn W + V, V",
}
WRONG_ANSWERS = [
    {
        "exercise-softmax": "return np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)",  # overflows at 1000
        "exercise-ReLU_deriv": "return Z >= 0",  # 1 at z = 0
        "exercise-backward": 'dZ1 = params["W2"].T @ dZ2',  # forgets ReLU'
        "exercise-momentum_step": "return W - lr * dW, V",  # no momentum: right on the first step only
    },
    {
        "exercise-softmax": "E = np.exp(Z - Z.max(axis=0, keepdims=True))\nreturn E / E.sum(axis=1, keepdims=True)",
        "exercise-ReLU_deriv": "return np.maximum(Z, 0)",  # ReLU itself
        "exercise-backward": 'dZ1 = params["W2"].T @ dZ2 * cache.A1',  # multiplies by A1, not ReLU'(Z1)
        "exercise-momentum_step": "V = momentum * V + lr * dW\nreturn W + V, V",  # uphill
    },
]


def walkthrough() -> nbformat.NotebookNode:
    return notebook("walkthrough", WALKTHROUGH_CELLS)


def exercises() -> nbformat.NotebookNode:
    return notebook("exercises", EXERCISE_CELLS)


def fill(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the exercises with each exercise cell's blank line replaced by ``answers[tag]``."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        tags = [tag for tag in cell.metadata.get("tags", []) if tag in answers]
        if not tags:
            continue
        lines = cell.source.split("\n")
        blanks = [i for i, line in enumerate(lines) if BLANK in line]
        if len(blanks) != 1:
            raise ValueError(f"cell {cell.id}: expected one line calling {BLANK}...), found {len(blanks)}")
        line = lines[blanks[0]]
        indent = line[: len(line) - len(line.lstrip())]
        lines[blanks[0] : blanks[0] + 1] = [indent + answer for answer in answers[tags[0]].split("\n")]
        cell.source = "\n".join(lines)
    return nb


def clear_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    return nb


def execute(
    nb: nbformat.NotebookNode, *, allow_errors: bool = False, env: dict[str, str] | None = None, timing: bool = False
) -> nbformat.NotebookNode:
    """Run a copy of ``nb`` from top to bottom in a fresh kernel of this Python, in this folder.

    The kernel is this interpreter's ipykernel (a kernel spec written to a temporary folder, so no
    other installed "python3" is picked up), talking over Unix sockets in that folder, with
    KERNEL_ENV and ``env`` added to this process's environment. Raises nbclient's CellExecutionError
    naming the cell, unless ``allow_errors``.
    ``timing``: keep each cell's start and end times in its metadata (``cell_seconds`` reads them)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = clear_outputs(nb)
    with tempfile.TemporaryDirectory(prefix="scratchnn-kernel-") as kernels:
        spec = Path(kernels) / KERNEL_NAME
        spec.mkdir()
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL_NAME, "language": "python"}))
        # The connection file and the Unix sockets in the temporary folder (absolute paths: the kernel
        # runs in HERE), so nothing is left behind and no TCP port is opened.
        km = KernelManager(
            kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels]),
            transport="ipc", ip=f"{kernels}/ipc", connection_file=f"{kernels}/connection.json",
        )  # fmt: skip
        client = NotebookClient(
            nb, km=km, timeout=CELL_TIMEOUT, allow_errors=allow_errors, record_timing=timing,
            resources={"metadata": {"path": str(HERE)}},
        )  # fmt: skip
        try:
            client.execute(env={**os.environ, **KERNEL_ENV, **(env or {})})
        finally:  # a client given its kernel manager leaves the kernel running: stop it here
            if client.kc is not None:
                client.kc.stop_channels()
            if km.has_kernel:
                km.shutdown_kernel()
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}  # no version: fewer diffs
    return nb


TIMING = re.compile(r"\d+(?:\.\d+)?(?=\s?(?:s|ms|µs)\b)")  # "(12.3 s)": a number before a unit of time


def text_outputs(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell id, text) for every code cell: its printed output and the text of its results, timings
    masked; a figure counts as its text form plus the number of PNGs. What the staleness check compares."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                parts.append(output.data.get("text/plain", "") + "\n")
                if "image/png" in output.data:
                    parts.append("[image/png]\n")
            elif output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}\n")
        texts.append((cell.id, TIMING.sub("…", "".join(parts))))
    return texts


def cell_seconds(nb: nbformat.NotebookNode) -> dict[str, float]:
    """Seconds each code cell took, from the times ``execute(..., timing=True)`` recorded; the times
    are then dropped from the metadata, so that they never reach a saved notebook."""
    from datetime import datetime

    seconds = {}
    for cell in nb.cells:
        times = cell.metadata.pop("execution", None)
        if times and "iopub.execute_input" in times and "shell.execute_reply" in times:
            start, end = (datetime.fromisoformat(times[key]) for key in ("iopub.execute_input", "shell.execute_reply"))
            seconds[cell.id] = (end - start).total_seconds()
    return seconds


def main() -> None:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scratchnn-build-") as tmp:  # where the saved weights go
        executed = execute(walkthrough(), env={"TMPDIR": tmp}, timing=True)
    seconds = time.perf_counter() - start
    per_cell = cell_seconds(executed)
    nbformat.validate(executed)
    nbformat.write(executed, WALKTHROUGH)
    nbformat.write(exercises(), EXERCISES)
    size = WALKTHROUGH.stat().st_size / 1e6
    print(f"wrote {WALKTHROUGH.name} (executed in {seconds:.0f} s, {size:.2f} MB) and {EXERCISES.name}")
    slowest = sorted(per_cell.items(), key=lambda item: -item[1])[:5]
    print("slowest cells:", ", ".join(f"{name} {cell:.1f} s" for name, cell in slowest))


if __name__ == "__main__":
    main()
