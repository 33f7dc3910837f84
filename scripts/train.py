"""Train the network on MNIST and write its weights JSON (by default to web/weights/).

    python scripts/train.py                    # the `default` preset -> web/weights/default.json
    python scripts/train.py --preset tiny      # 10 hidden units, trained well
    python scripts/train.py --preset seed      # the original, exactly
    python scripts/train.py --preset best      # 800 hidden units, augmented: >= 99% (stored as float16)
    python scripts/train.py --hidden 64 --epochs 5 --out /tmp/mine.json
    python scripts/train.py --augment rotate=10,shift=2,alpha=8 --out /tmp/aug.json

Progress goes to stderr; the last line on stdout is a one-line JSON summary. Every value and
--out (and the plots beside it) are checked before the data is loaded: a folder, a device, a FIFO
or a folder that is not there is refused, and the files are written atomically (scratchnn.files).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))  # run from a checkout without installing

from scratchnn import augment, files, mnist, network, normalise, training, weights  # noqa: E402
from scratchnn.config import PRESETS, TrainConfig  # noqa: E402

OVERRIDES = ("hidden", "init", "dtype", "epochs", "lr", "batch_size", "momentum", "lr_decay", "augment", "store_dtype",
             "normalise")  # fmt: skip


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low`` (for what is not a TrainConfig setting)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number at least {low}, got {text[:40]}")
        return value

    return parse


def setting(name: str, kind: type) -> Callable[[str], Any]:
    """An argparse type for the TrainConfig setting ``name``: the text as an int or a float, then
    checked by TrainConfig itself, so that the limits are written once (in config.py)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            expected = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text[:40]!r}") from None
        try:
            dataclasses.replace(PRESETS["tiny"], **{name: value})
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return value

    return parse


def data_folder(text: str) -> str:
    """An argparse type: a folder for the MNIST files, there already or possible to make."""
    if not text:
        raise argparse.ArgumentTypeError("expected a folder, got an empty name")
    try:
        mnist.check_data_dir(text)
    except mnist.MnistError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def parse_augment(text: str) -> dict:
    """``none`` -> {}; ``rotate=10,shift=2,alpha=8`` -> {"rotate": 10.0, ...} (see scratchnn.augment.Augment)."""
    if text.strip().lower() in ("none", "off", ""):
        return {}
    settings = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        try:
            settings[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise argparse.ArgumentTypeError(f"expected key=number pairs like rotate=10,shift=2, got {item!r}")
    try:
        augment.Augment.from_dict(settings)
    except (ValueError, TypeError) as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return settings


def normalisation(text: str) -> str | None:
    """An argparse type: a name scratchnn.normalise knows (``none`` for no normalisation)."""
    if text.strip().lower() in ("none", ""):
        return None
    try:
        normalise.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    epilog = "presets:\n" + "\n".join(
        f"  {name:8s} " + ", ".join(f"{k}={v}" for k, v in cfg.to_dict().items()) for name, cfg in PRESETS.items()
    )
    parser = argparse.ArgumentParser(
        description="Train the two-layer MNIST network from scratch and save its weights as JSON.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default", help="starting configuration")
    parser.add_argument("--hidden", type=setting("hidden", int), help="hidden units H")
    parser.add_argument("--init", choices=network.INITS, help="weight initialisation")
    parser.add_argument("--dtype", choices=("float32", "float64"), help="floating-point precision")
    parser.add_argument(
        "--epochs", type=setting("epochs", int), help="passes over the training set (full batch: iterations)"
    )
    parser.add_argument(
        "--lr", type=setting("lr", float), help="learning rate alpha",
    )  # fmt: skip
    parser.add_argument("--batch-size", type=whole_number(0), help="examples per step; 0 means the full batch")
    parser.add_argument(
        "--momentum", type=setting("momentum", float), help="momentum in [0, 1); 0 is plain gradient descent",
    )  # fmt: skip
    parser.add_argument(
        "--lr-decay", type=setting("lr_decay", float), help="the learning rate is multiplied by this each epoch",
    )  # fmt: skip
    parser.add_argument(
        "--augment", type=parse_augment, metavar="SPEC",
        help="augment each batch: none, or key=value pairs of rotate (deg), scale, shear, shift (px), "
        "alpha, sigma (elastic), stroke (probability), e.g. rotate=10,shift=2,alpha=8",
    )  # fmt: skip
    parser.add_argument(
        "--store-dtype", choices=weights.DTYPES,
        help="dtype of the arrays in the file (float16 halves it); the stated accuracy is measured after it",
    )  # fmt: skip
    parser.add_argument(
        "--normalise", type=normalisation, metavar="NAME",
        help="deslant and/or width-normalise every image, training and test: deslant, width-W or deslant+width-W",
    )  # fmt: skip
    parser.add_argument("--seed", type=whole_number(0), default=0, help="seed for the data split, init and shuffling")
    parser.add_argument(
        "--data-dir", type=data_folder, help="folder with the MNIST .gz files (else $SCRATCHNN_DATA_DIR, else cache)"
    )
    parser.add_argument("--out", type=Path, help="weights file to write (default: web/weights/<preset>.json)")
    parser.add_argument("--no-plots", action="store_true", help="do not save PNG plots even if matplotlib is there")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> tuple[str, TrainConfig]:
    """The preset with any command-line overrides (dataclasses.replace); "custom" if overridden."""
    overridden = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
    if overridden.get("batch_size") == 0:
        overridden["batch_size"] = None
    if "augment" in overridden:
        overridden["augment"] = augment.Augment.from_dict(overridden["augment"])
    return (args.preset if not overridden else "custom"), dataclasses.replace(PRESETS[args.preset], **overridden)


class ProgressBar:
    """One line on stderr, redrawn in place: epoch, batches done, loss and accuracy."""

    def __init__(self, epochs: int, width: int = 30):
        self.epochs, self.width = epochs, width
        self.interactive = sys.stderr.isatty()
        self.last_draw = 0.0

    def batch(self, report: training.BatchReport) -> None:
        now = time.perf_counter()
        if not self.interactive or (now - self.last_draw < 0.1 and report.batch != report.batches_per_epoch):
            return
        self.last_draw = now
        done = report.batch / report.batches_per_epoch
        bar = "#" * int(done * self.width)
        print(
            f"\repoch {report.epoch}/{self.epochs} [{bar:<{self.width}}] "
            f"loss {report.loss:.4f} acc {report.accuracy:.3f}",
            end="", file=sys.stderr, flush=True,
        )  # fmt: skip

    def epoch(self, report: training.EpochReport) -> None:
        if self.epochs > 50 and report.epoch % 25 and report.epoch != self.epochs:
            return  # full-batch runs have hundreds of one-step epochs: print every 25th
        print(
            "\r\033[K" * self.interactive + f"epoch {report.epoch}/{self.epochs}  loss {report.loss:.4f}  "
            f"train acc {report.accuracy:.4f}  val acc {report.val_accuracy:.4f}  ({report.seconds:.2f}s)",
            file=sys.stderr, flush=True,
        )  # fmt: skip


def plot_paths(out: Path) -> list[Path]:
    """The PNGs written beside the weights: <stem>-curves.png and <stem>-confusion.png (plots.KINDS)."""
    return [Path(f"{out.with_suffix('')}-{kind}.png") for kind in ("curves", "confusion")]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        preset, config = config_from(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.out or ROOT / "web" / "weights" / f"{preset}.json"
    try:
        for path in [out] + ([] if args.no_plots else plot_paths(out)):
            files.check_output_file(path)  # before training: a bad --out is found now, not an hour later
    except files.OutputError as error:
        print(f"error: --out {error}", file=sys.stderr)
        return 2
    try:
        data = mnist.load(args.data_dir, seed=args.seed, dtype=config.dtype)
    except (ValueError, mnist.MnistError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if config.normalise:  # the same for every image the network will see, test images included
        data.X_train, data.X_val, data.X_test = (
            normalise.normalise(X, config.normalise) for X in (data.X_train, data.X_val, data.X_test)
        )
    print(f"preset {preset}: {config}", file=sys.stderr)
    params = network.init_params(config.hidden, config.init, config.dtype, seed=args.seed)
    progress = ProgressBar(config.epochs)
    started = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught as a NaN loss
            history = training.train(
                params, data.X_train, data.Y_train,
                epochs=config.epochs, lr=config.lr, batch_size=config.batch_size,
                momentum=config.momentum, lr_decay=config.lr_decay, seed=args.seed, augment=config.augment,
                X_val=data.X_val, Y_val=data.Y_val, on_epoch=progress.epoch, on_batch=progress.batch,
            )  # fmt: skip
    except FloatingPointError as error:
        print(f"\nerror: {error}. Nothing was written; {out} is untouched.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: nothing was written; {out} is untouched.", file=sys.stderr)
        return 130
    train_seconds = time.perf_counter() - started
    store_dtype = config.store_dtype or config.dtype
    if config.store_dtype:  # measure what the file will hold: float16 rounds every weight
        params = {name: P.astype(store_dtype).astype(params["W1"].dtype) for name, P in params.items()}
    _, val_accuracy = training.evaluate(params, data.X_val, data.Y_val)
    test_loss, test_accuracy = training.evaluate(params, data.X_test, data.Y_test)
    metadata = weights.training_metadata(
        config.to_dict() | {"store_dtype": store_dtype},
        [dataclasses.asdict(h) for h in history],
        preset=preset, seed=args.seed, train_seconds=train_seconds,
        val_accuracy=val_accuracy, test_accuracy=test_accuracy, test_loss=round(test_loss, 6),
        data={"files": data.sha256, "n_train": data.Y_train.size, "n_val": data.Y_val.size, "n_test": data.Y_test.size},
        trained_with="scripts/train.py",
    )  # fmt: skip
    try:
        weights.save(out, params, metadata, dtype=config.store_dtype)
    except weights.WeightsError as error:  # e.g. a weight beyond float16's range after a wild learning rate
        print(f"error: the trained weights cannot be stored: {error}. Nothing was written.", file=sys.stderr)
        return 1
    except (files.OutputError, OSError) as error:
        print(f"error: cannot write the weights: {error}", file=sys.stderr)
        return 1
    print(
        f"test accuracy {test_accuracy:.4f} (loss {test_loss:.4f}) after {train_seconds:.1f}s of training; "
        f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)",
        file=sys.stderr,
    )
    if not args.no_plots:
        try:
            save_plots(out, params, history, data)
        except (files.OutputError, OSError) as error:
            print(f"error: the weights were written, but not the plots: {error}", file=sys.stderr)
            return 1
    summary = {"preset": preset, "hidden": config.hidden, "test_accuracy": test_accuracy,
               "val_accuracy": val_accuracy, "train_seconds": round(train_seconds, 2),
               "out": str(out)}  # fmt: skip
    print(json.dumps(summary))
    return 0


def save_plots(out: Path, params: network.Params, history: list, data: mnist.MnistData) -> None:
    """Training curves and a confusion matrix as PNGs next to the weights, if matplotlib is there."""
    try:
        from scratchnn import plots
    except ImportError:
        print("(matplotlib is not installed: no plots; pip install 'scratchnn[plot]')", file=sys.stderr)
        return
    predictions = network.predict(params, data.X_test)
    drawn = {"curves": plots.curves(history), "confusion": plots.confusion(predictions, data.Y_test)}
    for path, kind in zip(plot_paths(out), plots.KINDS, strict=True):
        files.atomic_write(path, drawn[kind])
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
