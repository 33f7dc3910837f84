"""How well every committed network reads digits that are not where, how big or how thick MNIST's are.

    python scripts/robustness.py                       # every web/weights/*.json, all 10,000 test digits
    python scripts/robustness.py web/weights/best.json --limit 2000

Each column is the test set transformed one way (the same random draws for every network, from
``--seed``): shifted by whole pixels up to +-4 in x and y, rotated by up to +-20 degrees, scaled
by 0.8 to 1.2 about the centre (each uniformly at random per digit), strokes 1 px thicker or
thinner (greyscale dilation or erosion with a 2x2 square), and the canvas path: each
digit re-drawn 5 to 9 times larger at a random place on a 280x280 canvas, then put through
``scratchnn.preprocess`` as the page does with a drawing. A second table takes the ranges' edges
(every digit shifted by exactly 4 px in x and/or y, rotated by exactly +-20 degrees, scaled by
exactly 0.8 or 1.2, strokes 2 px thicker or thinner: dilation or erosion with a 3x3 cross,
a pixel on each side). Prints markdown tables; ``--out`` writes them (``.md``) and the numbers
(``.json``, same name). A weights file that cannot be read is named on stderr and left out; the
others are still evaluated, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))  # run from a checkout without installing

from scratchnn import augment, files, mnist, preprocess, training, weights  # noqa: E402
from scratchnn.network import Params  # noqa: E402

CANVAS = 280  # the drawing canvas's side in pixels
Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def shift(X: np.ndarray, rng: np.random.Generator, low: int = -4, high: int = 4) -> np.ndarray:
    """Whole-pixel shifts, dx and dy each uniform in {low..high}: exact copies of the pixels."""
    return augment.warp(X, shift=rng.integers(low, high + 1, (X.shape[1], 2)))


def shift_edge(X: np.ndarray, rng: np.random.Generator, by: int = 4) -> np.ndarray:
    """Every digit moved by exactly ``by`` px along x, y or both (one of 8 directions)."""
    directions = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy])
    return augment.warp(X, shift=by * directions[rng.integers(0, 8, X.shape[1])])


def rotate(X: np.ndarray, rng: np.random.Generator, degrees: float = 20) -> np.ndarray:
    """Rotation about the centre by an angle uniform in [-degrees, degrees]."""
    b = X.shape[1]
    return augment.warp(X, augment.inverse_affine(rng.uniform(-degrees, degrees, b), 1.0, 0.0))


def rotate_edge(X: np.ndarray, rng: np.random.Generator, degrees: float = 20) -> np.ndarray:
    """Rotation by exactly +degrees or -degrees."""
    angles = degrees * rng.choice([-1.0, 1.0], X.shape[1])
    return augment.warp(X, augment.inverse_affine(angles, 1.0, 0.0))


def scale(X: np.ndarray, rng: np.random.Generator, low: float = 0.8, high: float = 1.2) -> np.ndarray:
    """Scaling about the centre by a factor uniform in [low, high]."""
    return augment.warp(X, augment.inverse_affine(0.0, rng.uniform(low, high, X.shape[1]), 0.0))


def fixed_scale(factor: float) -> Transform:
    return lambda X, rng: augment.warp(X, augment.inverse_affine(0.0, np.full(X.shape[1], factor), 0.0))


def render_on_canvas(image: np.ndarray, zoom: float, top: float, left: float, size: int = CANVAS) -> np.ndarray:
    """A 28x28 image drawn ``zoom`` times larger with its corner at (top, left) on a size x size canvas.

    Bilinear: canvas pixel Y (centre Y + 0.5) reads source row y = (Y + 0.5 - top) / zoom - 0.5,
    with weight max(0, 1 - |y - i|) on row i; likewise for columns, so canvas = R_y image R_x^T.
    """

    def tent(offset: float) -> np.ndarray:
        y = (np.arange(size) + 0.5 - offset) / zoom - 0.5
        return np.maximum(0.0, 1.0 - np.abs(y[:, None] - np.arange(28)[None, :])).astype(np.float32)

    return np.clip(tent(top) @ image @ tent(left).T, 0.0, 1.0)


def canvas(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each digit drawn 5 to 9 times larger, anywhere on the canvas, then preprocessed as the page does."""
    out = np.empty_like(X)
    for k in range(X.shape[1]):
        zoom = rng.uniform(5, 9)
        top, left = rng.uniform(0, CANVAS - 28 * zoom, 2)
        drawing = render_on_canvas(X[:, k].reshape(28, 28), zoom, top, left)
        out[:, k] = preprocess.prepare(drawing).image.reshape(-1)
    return out


TRANSFORMS: dict[str, Transform] = {
    "clean": lambda X, rng: X,
    "shift ±4 px": shift,
    "rotate ±20°": rotate,
    "scale 0.8–1.2": scale,
    "thicker +1 px": lambda X, rng: augment.dilate(X, footprint="2x2"),
    "thinner −1 px": lambda X, rng: augment.erode(X, footprint="2x2"),
    "canvas": canvas,
}
EDGES: dict[str, Transform] = {
    "shift 4 px": shift_edge,
    "rotate 20°": rotate_edge,
    "scale 0.8": fixed_scale(0.8),
    "scale 1.2": fixed_scale(1.2),
    "thicker +2 px": lambda X, rng: augment.dilate(X, footprint="cross"),
    "thinner −2 px": lambda X, rng: augment.erode(X, footprint="cross"),
}


def transformed_sets(
    X: np.ndarray, transforms: dict[str, Transform], seed: int
) -> dict[str, np.ndarray]:  # fmt: skip
    """Each transform applied to X with its own generator, seeded from (seed, its position)."""
    sets = {}
    for i, (name, transform) in enumerate(transforms.items()):
        started = time.perf_counter()
        sets[name] = transform(X, np.random.default_rng([seed, i])).astype(X.dtype, copy=False)
        print(f"{name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return sets


Network = tuple[Path, Params, dict]  # a weights file, its parameters and its metadata


def load_networks(paths: list[Path]) -> tuple[list[Network], list[str]]:
    """The weights files that load, and for each one that does not, a line saying why."""
    networks, problems = [], []
    for path in paths:
        try:
            params, metadata = weights.load(path)
        except weights.WeightsError as error:
            problems.append(str(error))
            continue
        networks.append((path, params, metadata))
    return networks, problems


def evaluate_all(networks: list[Network], sets: dict[str, np.ndarray], Y: np.ndarray) -> list[dict]:
    rows = []
    for path, params, metadata in networks:
        accuracy = {name: training.evaluate(params, X, Y)[1] for name, X in sets.items()}
        rows.append({
            "network": path.stem, "file": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
            "hidden": int(params["W1"].shape[0]), "augment": metadata.get("augment"),
            "stated_test_accuracy": metadata.get("test_accuracy"), "train_seconds": metadata.get("train_seconds"),
            "store_dtype": metadata.get("store_dtype", str(params["W1"].dtype)), "bytes": path.stat().st_size,
            "accuracy": accuracy,
            "worst": min(v for k, v in accuracy.items() if k != "clean"),
        })  # fmt: skip
    return rows


def markdown(rows: list[dict], columns: list[str], worst: bool = True) -> str:
    """A markdown table: one row per network, test accuracy (%) per transform."""
    header = ["network", "hidden", *columns] + (["worst"] if worst else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in rows:
        cells = [f"`{row['network']}`", str(row["hidden"])]
        cells += [f"{100 * row['accuracy'][c]:.2f}" for c in columns]
        if worst:
            cells.append(f"{100 * row['worst']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_augment(settings: dict | None) -> str:
    """{"rotate": 15, "shift": 3, ...} -> "rotate 15°, shift 3 px, ..." (or "none")."""
    if not settings:
        return "none"
    units = {"rotate": "°", "shift": " px"}
    names = {"alpha": "elastic α", "sigma": "σ", "stroke": "stroke p"}
    return ", ".join(f"{names.get(k, k)} {v:g}{units.get(k, '')}" for k, v in settings.items() if v)


def summary(rows: list[dict]) -> str:
    """One row per network: what it is, its clean and worst transformed accuracy, its cost and size."""
    lines = [
        "| network | hidden | augmentation | test accuracy | worst transformed | training | weights file |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        seconds = row["train_seconds"]
        lines.append(
            f"| `{row['network']}` | {row['hidden']} | {describe_augment(row['augment'])} | "
            f"{100 * row['accuracy']['clean']:.2f}% | {100 * row['worst']:.2f}% | "
            f"{'?' if seconds is None else f'{seconds:.0f} s'} | {row['bytes'] / 1e6:.2f} MB ({row['store_dtype']}) |"
        )
    return "\n".join(lines)


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text[:40]}")
        return value

    return parse


def check_out(out: Path) -> None:
    """Refuse an --out whose tables (.md) or numbers (.json) could not be written, before any work."""
    if out.suffix == ".json":
        raise files.OutputError(f"{out}: the numbers go to the .json beside the tables; name the tables .md")
    for path in (out, out.with_suffix(".json")):
        files.check_output_file(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", nargs="*", type=Path, help="weights files (default: web/weights/*.json)")
    parser.add_argument("--limit", type=whole_number(1), help="use only the first N test digits (faster, noisier)")
    parser.add_argument("--seed", type=whole_number(0), default=0, help="seed of the random transforms")
    parser.add_argument("--data-dir", help="folder with the MNIST .gz files (else $SCRATCHNN_DATA_DIR, else cache)")
    parser.add_argument("--out", type=Path, help="write the tables to this .md file and the numbers to .json")
    args = parser.parse_args(argv)
    paths = args.weights or sorted((ROOT / "web" / "weights").glob("*.json"))
    if not paths:
        print("error: no weights files", file=sys.stderr)
        return 2
    try:
        if args.out:
            check_out(args.out)
    except files.OutputError as error:
        print(f"error: --out {error}", file=sys.stderr)
        return 2
    networks, problems = load_networks(paths)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not networks:
        print("error: none of the weights files could be read", file=sys.stderr)
        return 1
    try:
        data = mnist.load(args.data_dir)
    except mnist.MnistError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    X, Y = data.X_test[:, : args.limit], data.Y_test[: args.limit]
    sets = transformed_sets(X, TRANSFORMS, args.seed)
    edge_sets = transformed_sets(X, EDGES, args.seed + 1)
    rows = evaluate_all(networks, sets, Y)
    edge_rows = evaluate_all(networks, edge_sets, Y)
    table = markdown(rows, list(sets))
    edges = markdown(edge_rows, list(edge_sets), worst=False)
    command = " ".join(
        ["python scripts/robustness.py", *(str(path) for path, _, _ in networks if args.weights)]
        + ([f"--limit {args.limit}"] if args.limit else [])
        + ([f"--seed {args.seed}"] if args.seed else [])
    )
    text = (
        f"{summary(rows)}\n\n"
        f"Test accuracy (%) on {Y.size:,} MNIST test digits, transformed (`{command}`):\n\n"
        f"{table}\n\nAt the edges of those ranges:\n\n{edges}\n"
    )
    print(text)
    if args.out:
        result = {"test_digits": int(Y.size), "seed": args.seed, "transforms": rows, "edges": edge_rows}
        try:
            files.atomic_write(args.out, text)
            files.atomic_write(args.out.with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        except (files.OutputError, OSError) as error:
            print(f"error: cannot write the results: {error}", file=sys.stderr)
            return 1
        print(f"wrote {args.out} and {args.out.with_suffix('.json')}", file=sys.stderr)
    if problems:
        print(f"error: {len(problems)} of {len(paths)} weights files could not be read (named above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
