"""The messages between the page and its worker, defined once: a TypedDict for each.

The page (web/app.js, train.js) and the worker (web/worker.js, worker-training.js) talk with
``postMessage``; the worker answers with what the Python here returns. Each message is a plain
object with a ``type``; a request also has an ``id``, which its ``Result`` repeats. web/messages.js
mirrors every TypedDict below as a JSDoc ``@typedef`` with the same fields, and
tests/test_messages.py holds the two equal, so neither side can drift.

Page -> worker (requests):            Worker -> page:
    ModelRequest       "model"            Progress   "progress"   (loading)
    PredictRequest     "predict"          Ready      "ready"
    PredictInputRequest "predict-input"   LoadError  "error"      (loading failed)
    TrainRequest       "train"            Result     "result"     (the answer to a request)
    StopRequest        "train-stop"       TrainingEvent "training"
    LrRequest          "train-lr"         (steering a run: answered with a Steering)
    PauseRequest       "train-pause"
    ResumeRequest      "train-resume"
    StepRequest        "train-step"
    DownloadRequest    "weights-download" Fatal      "fatal"      (Pyodide died)
    UploadRequest      "weights-upload"
    ExplainRequest     "explain"          (the explorer: explorer.py, listings.py)
    ExplorerStepRequest "explorer-step"
    ExplorerUndoRequest "explorer-undo"
    ExplorerResetRequest "explorer-reset"
    GradientCheckRequest "gradient-check"
    CodeRequest        "explorer-code"
    FailuresRequest    "failures"         (where it fails: failures.py)
    ValidationImageRequest "validation-image"
    DigitsLoadRequest  "digits-load"      TeachingEvent "teaching" (teaching: digits.py, teach.py)
    DigitsAddRequest   "digits-add"
    DigitsRemoveRequest "digits-remove"
    DigitsStateRequest "digits-state"
    DigitsClearRequest "digits-clear"
    TeachRequest       "teach"
    TeachStopRequest   "teach-stop"

The values a Result carries are the Python functions' return values (Prediction,
ModelDescription, TrainingProgress, Download): typed arrays for large data (``filters``), plain
numbers and lists for the rest.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import numpy as np

# --- what Python returns (the values of Results) -------------------------------------------------


class Prediction(TypedDict):
    """page.classify: the forward pass on one drawing."""

    digit: int | None  # argmax of A2; None for an empty pad
    probabilities: list[float]  # A2, the ten softmax outputs
    hidden: list[float]  # A1, the H hidden activations
    hidden_level: list[float]  # A1 / max(A1), in [0, 1], for display
    order: list[int]  # hidden units, most active first
    empty: bool
    model: str
    image: list[float]  # the 28 x 28 input the network saw, row by row
    python_ms: float


class ModelDescription(TypedDict):
    """page.describe: what the page shows about a network."""

    name: str
    hidden: int
    filters: bytes  # H x 784 bytes: each unit's W1 row as a picture (128 = zero)
    preset: str | None
    epochs: int | None
    test_accuracy: float | None
    val_accuracy: float | None
    trained_with: str | None
    history_epochs: int


class TrainingProgress(TypedDict, total=False):
    """Trainer.step / Trainer.stop: where a run in the page stands."""

    done: bool
    epochs: int
    examples_seen: int
    train_seconds: float
    examples_per_second: float
    history: list[dict[str, float]]  # one entry per epoch: epoch, loss, accuracy, val_loss, val_accuracy...
    epoch: int
    batch: int
    batches_per_epoch: int
    batch_loss: float
    batch_accuracy: float
    recent_loss: float  # moving averages over about the last 1,000 examples
    recent_accuracy: float
    epoch_offset: int  # epochs the network had before this run
    hidden: int
    stopped: bool
    lr: float  # the rate the slice's steps used (no step in it: the rate in force)
    lr_changes: list[LrChange]  # this run's rate changes, where each took effect


class LrChange(TypedDict):
    """A learning-rate change during a run: from this point on, the steps use ``lr``."""

    epoch: float  # the network's epochs done before the change's first step (epoch - 1 + batch / batches)
    examples_seen: int  # examples done before it (the run's in a TrainingProgress, the network's in metadata)
    lr: float


class Steering(TypedDict):
    """Trainer.steering: the answer to train-lr, train-pause, train-resume and train-step."""

    lr: float  # the rate in force: the next step uses it
    paused: bool
    examples_seen: int
    lr_changes: list[LrChange]


class Download(TypedDict):
    """trainer.download: a network as a weights JSON file."""

    text: str
    filename: str


# The explorer's values (explorer.py, listings.py). Their arrays are 1-D NumPy arrays: they reach
# JavaScript as typed arrays (float64 -> Float64Array, int32 -> Int32Array); a matrix is sent
# row by row (W1_top: TOP_UNITS x 784, dW2: 10 x H).


class ExplorerState(TypedDict):
    """Explorer.state: whose copy the explorer computes with, and the steps taken on it."""

    model: str | None  # the page's network the copy came from
    steps: int
    can_undo: bool


class Explanation(TypedDict):
    """explorer.explain: forward and backward on one input, every value the explorer shows."""

    hidden: int
    X: np.ndarray  # (784,) the input
    W1X: np.ndarray  # (H,) W1 X
    b1: np.ndarray  # (H,)
    Z1: np.ndarray  # (H,) W1 X + b1
    A1: np.ndarray  # (H,) ReLU(Z1)
    off: int  # units with Z1 <= 0, whose A1 is 0
    order: np.ndarray  # (H,) int32: units by Z1, largest first
    W1_top: np.ndarray  # (TOP_UNITS * 784,) the W1 rows of order[:TOP_UNITS]
    W2A1: np.ndarray  # (10,) W2 A1
    b2: np.ndarray  # (10,)
    Z2: np.ndarray  # (10,) W2 A1 + b2, the logits
    Z2_max: float
    Z2_shifted: np.ndarray  # (10,) Z2 - max Z2
    E: np.ndarray  # (10,) exp(Z2 - max Z2)
    E_sum: float
    A2: np.ndarray  # (10,) E / E_sum
    digit: int  # argmax A2
    label: int  # the digit the learner says it is (the network's answer unless told)
    loss: float  # -log A2[label]
    dZ2: np.ndarray  # (10,) A2 - Y
    dW2: np.ndarray  # (10 * H,) dZ2 A1^T
    dZ1: np.ndarray  # (H,) W2^T dZ2 * ReLU'(Z1)
    gradient_order: np.ndarray  # (H,) int32: units by |dZ1|, largest first
    dW1_top: np.ndarray  # (TOP_UNITS * 784,) the dW1 rows of gradient_order[:TOP_UNITS]
    largest: dict[str, list[int]]  # for each parameter, the [row, column] of its largest |gradient|
    model: str | None  # ExplorerState's fields
    steps: int
    can_undo: bool
    python_ms: float


class StepResult(TypedDict):
    """explorer.step: one gradient step on the example, and what it changed."""

    label: int
    lr: float
    before: np.ndarray  # (10,) A2 before the step
    after: np.ndarray  # (10,) A2 after it
    loss_before: float
    loss_after: float
    units: np.ndarray  # (TOP_UNITS,) int32: the units whose W1 row changed most
    W1_before: np.ndarray  # (TOP_UNITS * 784,) their rows before
    W1_after: np.ndarray  # and after
    explanation: Explanation  # the explorer's view after the step


class SlopeResult(TypedDict):
    """One precision's row of a gradient check (gradcheck.Slope's fields, and backprop's slope)."""

    dtype: str  # "float64" or "float32"
    weight: float
    backprop: float
    w_plus: float
    w_minus: float
    loss_plus: float
    loss_minus: float
    slope: float
    relative: float  # gradcheck.relative_difference(slope, backprop)


class GradientCheck(TypedDict):
    """explorer.gradient_check: one weight's numeric slope beside backprop's."""

    parameter: str
    row: int
    column: int
    h: float
    label: int
    results: list[SlopeResult]  # float64, then float32
    crosses_kink: bool  # the nudge carries a hidden unit across ReLU's kink at 0


class Listing(TypedDict):
    """listings.listing: one function's source, as Python imported it."""

    name: str  # "network.forward"
    file: str  # "scratchnn/network.py"
    first_line: int
    lines: list[str]


class StepCode(TypedDict):
    """One listing shown beside an explorer step, with the lines (indices into its lines) to highlight."""

    listing: str
    highlight: list[int]


class Code(TypedDict):
    """listings.code: every listing, and each step's listings."""

    listings: dict[str, Listing]
    steps: dict[str, list[StepCode]]


# The "Where it fails" panel's values (failures.py); arrays as above (int32 -> Int32Array).


class Failures(TypedDict):
    """failures.evaluate_validation: the current network on the 1,000 held-out digits."""

    model: str
    n: int
    correct: int
    accuracy: float
    loss: float
    confusion: np.ndarray  # (100,) int32: the 10 x 10 matrix row by row, rows the true digit, columns the digit read
    indices: np.ndarray  # (misread,) int32: the misread images, most confident mistake first
    true: np.ndarray  # (misread,) int32: their labels
    predicted: np.ndarray  # (misread,) int32: what the network read
    confidence: np.ndarray  # (misread,) float64: A2 of the digit read
    images: np.ndarray  # (misread * 784,) uint8: their pixels (0-255), image after image, row by row
    python_ms: float


class ValidationImage(TypedDict):
    """failures.validation_image: one held-out image and its label."""

    index: int
    pixels: np.ndarray  # (784,) float64 in [0, 1], row by row
    label: int


# Teaching it your handwriting (digits.py, teach.py); arrays as above.


class DigitsState(TypedDict):
    """MyDigits.state: your digits, what the current network reads them as, and their JSON text."""

    n: int
    labels: np.ndarray  # (n,) int32: the digit each one is
    images: np.ndarray  # (n * 784,) uint8: their pixels (0-255), image after image, row by row
    predicted: np.ndarray  # (n,) int32: what the current network reads (empty when there is none)
    confidence: np.ndarray  # (n,) float64: A2 of the digit read
    correct: int
    model: str | None
    text: str  # the digits file (digits.to_json): what the page stores and exports
    max_digits: int


class TeachLook(TypedDict):
    """teach.look: a network on your digits and on the 1,000 held-out validation digits."""

    predicted: np.ndarray  # (n,) int32
    confidence: np.ndarray  # (n,) float64: A2 of the digit read
    p_true: np.ndarray  # (n,) float64: A2 of the true label
    correct: int
    val_accuracy: float
    val_loss: float


class TeachProgress(TypedDict):
    """Teacher.step: where a teaching run stands."""

    step: int
    steps: int
    loss: float  # the last batch's
    done: bool
    seconds: float


class TeachResult(TypedDict):
    """Teacher.result: your digits and the validation digits before and after teaching."""

    before: TeachLook
    after: TeachLook
    steps: int
    stopped: bool
    seconds: float
    labels: np.ndarray  # (n,) int32
    settings: dict[str, Any]  # digits, steps, lr, momentum, mine_per_step, replay_per_mine, style


# --- page -> worker ---------------------------------------------------------------------------------


class ModelRequest(TypedDict):
    type: Literal["model"]
    id: int
    name: str  # one of site.json's models


class PredictRequest(TypedDict):
    type: Literal["predict"]
    id: int
    rgba: bytes  # the canvas's RGBA bytes (a Uint8ClampedArray, transferred)
    width: int
    height: int


class PredictInputRequest(TypedDict):
    type: Literal["predict-input"]
    id: int
    pixels: list[float]  # a ready 28 x 28 input, 784 values in [0, 1]


class TrainRequest(TypedDict):
    type: Literal["train"]
    id: int
    mode: Literal["scratch", "continue"]
    settings: dict[str, Any]  # hidden, lr, batch_size, epochs: as typed in the panel


class StopRequest(TypedDict):
    type: Literal["train-stop"]
    id: int


class LrRequest(TypedDict):
    type: Literal["train-lr"]
    id: int
    lr: Any  # as typed in the panel: checked like check_settings' learning rate


class PauseRequest(TypedDict):
    type: Literal["train-pause"]
    id: int


class ResumeRequest(TypedDict):
    type: Literal["train-resume"]
    id: int


class StepRequest(TypedDict):
    type: Literal["train-step"]
    id: int


class DownloadRequest(TypedDict):
    type: Literal["weights-download"]
    id: int
    name: str | None  # None: the current network


class UploadRequest(TypedDict):
    type: Literal["weights-upload"]
    id: int
    file: Any  # a File or Blob, read in the worker
    filename: str | None  # None: the page's own copy of the visitor's network


class ExplainRequest(TypedDict):
    type: Literal["explain"]
    id: int
    pixels: bytes  # the 28 x 28 input, 784 values in [0, 1] (a Float32Array)
    label: int | None  # the digit it is; None: the network's answer


class ExplorerStepRequest(TypedDict):
    type: Literal["explorer-step"]
    id: int
    pixels: bytes
    label: int
    lr: float


class ExplorerUndoRequest(TypedDict):
    type: Literal["explorer-undo"]
    id: int


class ExplorerResetRequest(TypedDict):
    type: Literal["explorer-reset"]
    id: int


class GradientCheckRequest(TypedDict):
    type: Literal["gradient-check"]
    id: int
    pixels: bytes
    label: int
    parameter: str  # W1, b1, W2 or b2
    row: int
    column: int
    h: float


class CodeRequest(TypedDict):
    type: Literal["explorer-code"]
    id: int


class FailuresRequest(TypedDict):
    type: Literal["failures"]
    id: int


class ValidationImageRequest(TypedDict):
    type: Literal["validation-image"]
    id: int
    index: int | None  # None: a random one


class DigitsLoadRequest(TypedDict):
    type: Literal["digits-load"]
    id: int
    file: Any  # a File or Blob (an import), or the text the page stored, read in the worker
    filename: str | None  # None: the page's stored copy (it replaces the digits there are)


class DigitsAddRequest(TypedDict):
    type: Literal["digits-add"]
    id: int
    pixels: bytes  # the 28 x 28 input the network read (784 values in [0, 1])
    label: int  # the digit it really is


class DigitsRemoveRequest(TypedDict):
    type: Literal["digits-remove"]
    id: int
    index: int


class DigitsStateRequest(TypedDict):
    type: Literal["digits-state"]
    id: int


class DigitsClearRequest(TypedDict):
    type: Literal["digits-clear"]
    id: int


class TeachRequest(TypedDict):
    type: Literal["teach"]
    id: int
    steps: int | None  # None: teach.STEPS


class TeachStopRequest(TypedDict):
    type: Literal["teach-stop"]
    id: int


# --- worker -> page ---------------------------------------------------------------------------------


class Progress(TypedDict):
    type: Literal["progress"]
    stage: str
    label: str
    fraction: float
    until: float
    seconds: float


class Ready(TypedDict):
    type: Literal["ready"]
    timings: dict[str, float]
    versions: dict[str, str]
    models: list[dict[str, Any]]  # site.json's models
    limits: dict[str, int]  # site.json's weights_limits: max_bytes, max_hidden
    python_start: Literal["snapshot", "fresh"]  # from this browser's snapshot of Python, or not (worker-snapshot.js)


class LoadError(TypedDict):
    type: Literal["error"]
    stage: str
    message: str


class Result(TypedDict, total=False):
    type: Literal["result"]
    id: int
    ok: bool
    value: Any  # when ok
    error: str  # when not


class TrainingEvent(TypedDict, total=False):
    type: Literal["training"]
    phase: Literal["data", "progress", "end", "model"]
    label: str
    progress: TrainingProgress
    model: ModelDescription
    reason: Literal["done", "stopped", "error"]
    message: str


class TeachingEvent(TypedDict, total=False):
    type: Literal["teaching"]
    phase: Literal["progress", "end"]
    progress: TeachProgress
    reason: Literal["done", "stopped", "error"]
    message: str
    result: TeachResult
    model: ModelDescription
    digits: DigitsState


class Fatal(TypedDict):
    type: Literal["fatal"]
    message: str


REQUESTS = (
    ModelRequest,
    PredictRequest,
    PredictInputRequest,
    TrainRequest,
    StopRequest,
    LrRequest,
    PauseRequest,
    ResumeRequest,
    StepRequest,
    DownloadRequest,
    UploadRequest,
    ExplainRequest,
    ExplorerStepRequest,
    ExplorerUndoRequest,
    ExplorerResetRequest,
    GradientCheckRequest,
    CodeRequest,
    FailuresRequest,
    ValidationImageRequest,
    DigitsLoadRequest,
    DigitsAddRequest,
    DigitsRemoveRequest,
    DigitsStateRequest,
    DigitsClearRequest,
    TeachRequest,
    TeachStopRequest,
)
EVENTS = (Progress, Ready, LoadError, Result, TrainingEvent, TeachingEvent, Fatal)
VALUES = (
    Prediction,
    ModelDescription,
    TrainingProgress,
    LrChange,
    Steering,
    Download,
    ExplorerState,
    Explanation,
    StepResult,
    SlopeResult,
    GradientCheck,
    Listing,
    StepCode,
    Code,
    Failures,
    ValidationImage,
    DigitsState,
    TeachLook,
    TeachProgress,
    TeachResult,
)
