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
    DownloadRequest    "weights-download" Fatal      "fatal"      (Pyodide died)
    UploadRequest      "weights-upload"

The values a Result carries are the Python functions' return values (Prediction,
ModelDescription, TrainingProgress, Download): typed arrays for large data (``filters``), plain
numbers and lists for the rest.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

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


class Download(TypedDict):
    """trainer.download: a network as a weights JSON file."""

    text: str
    filename: str


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


class DownloadRequest(TypedDict):
    type: Literal["weights-download"]
    id: int
    name: str | None  # None: the current network


class UploadRequest(TypedDict):
    type: Literal["weights-upload"]
    id: int
    file: Any  # a File or Blob, read in the worker
    filename: str | None  # None: the page's own copy of the visitor's network


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


class Fatal(TypedDict):
    type: Literal["fatal"]
    message: str


REQUESTS = (
    ModelRequest,
    PredictRequest,
    PredictInputRequest,
    TrainRequest,
    StopRequest,
    DownloadRequest,
    UploadRequest,
)
EVENTS = (Progress, Ready, LoadError, Result, TrainingEvent, Fatal)
VALUES = (Prediction, ModelDescription, TrainingProgress, Download)
