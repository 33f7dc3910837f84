"""What augmentation costs: augmenting all 59,000 training images vs one training epoch.

    python scripts/augment_cost.py            # the augment settings of every preset that has one
    python scripts/augment_cost.py --repeat 5

Both are timed in the same process, alternately, in batches of 128 as training sees them, so a
busy machine slows both alike; the minimum of the repeats is reported.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))  # run from a checkout without installing

from scratchnn import augment, mnist, network, training  # noqa: E402
from scratchnn.config import PRESETS  # noqa: E402


def time_augment(aug: augment.Augment, X: np.ndarray, batch_size: int, seed: int) -> float:
    """Seconds to augment every column of X, batch by batch in a random order (batch gathering excluded)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[1])
    seconds = 0.0
    for start in range(0, X.shape[1], batch_size):
        batch = X[:, order[start : start + batch_size]]
        started = time.perf_counter()
        aug(batch, rng)
        seconds += time.perf_counter() - started
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings of each (the minimum is reported)")
    parser.add_argument("--data-dir", help="folder with the MNIST .gz files (else $SCRATCHNN_DATA_DIR, else cache)")
    args = parser.parse_args(argv)
    data = mnist.load(args.data_dir)
    default = PRESETS["default"]
    augments = {name: cfg.augment for name, cfg in PRESETS.items() if cfg.augment}
    augments["affine only"] = augment.Augment(rotate=15, scale=0.15, shear=0.2, shift=3)
    augments["elastic only"] = augment.Augment(alpha=20, sigma=4)
    widths = sorted({128, default.hidden})  # 128: the first `default`, before it was augmented
    epoch, costs = {h: [] for h in widths}, {name: [] for name in augments}
    for repeat in range(args.repeat):
        for hidden in widths:
            params = network.init_params(hidden, default.init, default.dtype, seed=repeat)
            history = training.train(
                params, data.X_train, data.Y_train, epochs=1, lr=default.lr, batch_size=default.batch_size,
                momentum=default.momentum, seed=repeat,
            )  # fmt: skip
            epoch[hidden].append(history[0].seconds)
        for name, augmenter in augments.items():
            costs[name].append(time_augment(augmenter, data.X_train, default.batch_size, repeat))
    for hidden, seconds in epoch.items():
        print(f"one epoch, {hidden} hidden units, batches of {default.batch_size}, unaugmented: {min(seconds):.2f} s")
    for name, seconds in costs.items():
        ratios = ", ".join(f"{min(seconds) / min(epoch[h]):.2f} x the {h}-unit epoch" for h in widths)
        print(
            f"augmenting all {data.X_train.shape[1]:,} images, {name}: {min(seconds):.2f} s ({ratios}) {augments[name]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
