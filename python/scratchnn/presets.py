"""Named training configurations: a few plain values each.

- ``seed``: the original exactly: 10 hidden units, uniform init in [-0.5, 0.5), full-batch
  gradient descent (every step sees all 59,000 images), alpha = 0.10, 500 iterations, float64.
- ``tiny``: the same 10-hidden-unit network trained well: He init, mini-batches, momentum.
- ``default``: the network the web page uses: 512 hidden units trained on digits shifted by up
  to 4 px, rotated up to 20 degrees, scaled 0.8-1.2, elastically distorted and drawn thicker or
  thinner, so that it reads drawings that are not MNIST-perfect (>= 97% under each of those,
  see scripts/robustness.py); float16 in the file (1.1 MB).
- ``best``: the original's architecture at Simard et al.'s width (800 hidden units), trained on
  randomly warped digits (``augment``: rotation, scale, shear, shift, elastic distortion and
  stroke thickness, see scratchnn.augment) with momentum and a decaying learning rate; its
  weights are stored as float16 (``store_dtype``) to fit the page.

``augment`` (optional) holds the settings of scratchnn.augment.Augment; ``store_dtype``
(optional) the dtype of the arrays in the weights file.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    "seed": dict(hidden=10, init="uniform", dtype="float64", epochs=500, lr=0.10,
                 batch_size=None, momentum=0.0, lr_decay=1.0),
    "tiny": dict(hidden=10, init="he", dtype="float32", epochs=30, lr=0.10,
                 batch_size=64, momentum=0.9, lr_decay=0.93),
    "default": dict(hidden=512, init="he", dtype="float32", epochs=40, lr=0.10,
                    batch_size=128, momentum=0.9, lr_decay=0.92,
                    augment=dict(rotate=20, scale=0.2, shear=0.15, shift=4, alpha=15, sigma=4, stroke=0.4),
                    store_dtype="float16"),
    "best": dict(hidden=800, init="he", dtype="float32", epochs=60, lr=0.10,
                 batch_size=128, momentum=0.9, lr_decay=0.94,
                 augment=dict(rotate=15, scale=0.15, shear=0.2, shift=3, alpha=20, sigma=4, stroke=0.1),
                 store_dtype="float16"),
}  # fmt: skip
