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

The names below are imported on first use, not with the package (PEP 562's module ``__getattr__``):
the page is ready once ``page.py`` is imported (web/worker.js imports it before saying "ready"),
and training, the explorer and the rest, with the standard library modules they bring (urllib,
http.client, difflib...), load with the first request that needs them (in Pyodide under Node,
with the stock standard library, 0.09 s for page.py against 0.27 s for everything).
"""

from __future__ import annotations

import importlib
from typing import Any

# Each name the worker calls -> (the module it is defined in, its name there).
WHERE: dict[str, tuple[str, str]] = {
    "Model": ("page", "Model"),
    "describe": ("page", "describe"),
    "load_model": ("page", "load_model"),
    "predict_drawing": ("page", "predict_drawing"),
    "predict_input": ("page", "predict_input"),
    "Trainer": ("trainer", "Trainer"),
    "check_settings": ("trainer", "check_settings"),
    "download": ("trainer", "download"),
    "load_data": ("trainer", "load_data"),
    "upload": ("trainer", "upload"),
    "evaluate_validation": ("failures", "evaluate_validation"),
    "validation_image": ("failures", "validation_image"),
    "Explorer": ("explorer", "Explorer"),
    "explain": ("explorer", "explain"),
    "gradient_check": ("explorer", "gradient_check"),
    "step": ("explorer", "step"),
    "code": ("listings", "code"),
    "MyDigits": ("digits", "MyDigits"),
    "digits_from_json": ("digits", "from_json"),
    "Teacher": ("teach", "Teacher"),
}


def __getattr__(name: str) -> Any:
    """``scratchnn.browser.<name>``, when it is not imported yet: its module is imported now."""
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = WHERE[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # found here from now on, without this function
    return value


__all__ = sorted(WHERE)
