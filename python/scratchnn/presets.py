"""Named training configurations: a few plain values each.

- ``seed``: the original exactly: 10 hidden units, uniform init in [-0.5, 0.5), full-batch
  gradient descent (every step sees all 59,000 images), alpha = 0.10, 500 iterations, float64.
- ``tiny``: the same 10-hidden-unit network trained well: He init, mini-batches, momentum.
- ``default``: the network the web page uses: wider, and trained in seconds.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    "seed": dict(hidden=10, init="uniform", dtype="float64", epochs=500, lr=0.10,
                 batch_size=None, momentum=0.0, lr_decay=1.0),
    "tiny": dict(hidden=10, init="he", dtype="float32", epochs=30, lr=0.10,
                 batch_size=64, momentum=0.9, lr_decay=0.93),
    "default": dict(hidden=128, init="he", dtype="float32", epochs=15, lr=0.10,
                    batch_size=128, momentum=0.9, lr_decay=0.85),
}  # fmt: skip
