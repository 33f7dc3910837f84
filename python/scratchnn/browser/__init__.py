"""The page's Python: exactly what the web page's worker (web/worker.js) calls, and nothing else.

The core package (network, training, preprocess, weights...) knows nothing about browsers; this
subpackage is the thin layer the page talks to, run in Pyodide:

- ``page.py``: a weights document -> a ``Model``; a drawing -> preprocess -> forward -> a ``Prediction``;
- ``trainer.py``: training in the page (``Trainer``), the panel's settings, download and upload;
- ``session.py``: training in short time slices, so the worker stays responsive;
- ``subset.py``: the compact, checksummed MNIST subset the page trains on (built by the site build);
- ``failures.py``: the current network on the 1,000 held-out digits (accuracy, confusion, mistakes);
- ``explorer.py``: one input followed through forward and backward, one step of learning on it, and
  the gradient check (the page's explorer); ``listings.py``: the source code it shows beside each step;
- ``digits.py``: your corrected digits as a small JSON dataset (stored, exported, imported);
  ``teach.py``: the current network fine-tuned on them, mixed with replayed MNIST digits;
- ``messages.py``: every message between the page and the worker, one TypedDict each.
"""

from .digits import MyDigits
from .digits import from_json as digits_from_json
from .explorer import Explorer, explain, gradient_check, step
from .failures import evaluate_validation, validation_image
from .listings import code
from .page import Model, describe, load_model, predict_drawing, predict_input
from .teach import Teacher
from .trainer import Trainer, check_settings, download, load_data, upload

__all__ = [
    "Explorer",
    "Model",
    "MyDigits",
    "Teacher",
    "Trainer",
    "check_settings",
    "code",
    "describe",
    "digits_from_json",
    "download",
    "evaluate_validation",
    "explain",
    "gradient_check",
    "load_data",
    "load_model",
    "predict_drawing",
    "predict_input",
    "step",
    "upload",
    "validation_image",
]
