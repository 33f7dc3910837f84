"""Measure "Teach it your handwriting" in the real page: draw, with the mouse, digits in styles
the network misreads, correct them, learn from them, then draw fresh variants of the same styles.

    .venv/bin/python scripts/measure_teaching.py                   # builds the site, prints the figures
    .venv/bin/python scripts/measure_teaching.py --save results/teaching   # and keeps the drawn digits
    .venv/bin/python scripts/measure_teaching.py --sweep results/teaching  # CPython: choose the recipe

The styles (STYLES) are ways of writing a digit that MNIST's writers rarely used and the default
network reads wrong: a slashed zero, a "g"-shaped nine, a flat three, a wide four and a "1" with a
long flag. Each drawing is a set of mouse strokes (Playwright's mouse, on the pad) through a
style's points, moved a little at random and slanted by a random amount: ``--mine`` drawings per
style are kept with their right label through the page's "This drawing is a …" buttons, then
"Learn from my digits" runs (the page's own recipe, teach.py), then ``--fresh`` new drawings per
style (another random seed: digits the network never trained on) are read by the taught network and
by the network it started from. Prints, per style and in all: your digits read right before ->
after, fresh variants before -> after, and the validation accuracy on the 1,000 held-out digits
before -> after.

``--save DIR`` writes the drawings as digits files (DIR/mine.json, DIR/fresh.json, the format of
scratchnn.browser.digits; DIR is made if missing, and files there are replaced only if they are
digits files). ``--sweep DIR`` reads them back and, in CPython, teaches the same network with each
replay ratio and learning rate, reading the figures after 50, 100, 150, 200 and 300 steps: the
table that chose teach.py's numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # demo_page (open_app, strokes), local_server

import build_site  # noqa: E402
import chromium  # noqa: E402

Point = tuple[float, float]
# Each style: its label and its strokes, as fractions of the pad (x right, y down).
STYLES: dict[str, tuple[int, list[list[Point]]]] = {
    "slashed zero": (
        0,
        [
            [(0.5, 0.2), (0.7, 0.35), (0.7, 0.65), (0.5, 0.8), (0.3, 0.65), (0.3, 0.35), (0.5, 0.2)],
            [(0.25, 0.85), (0.75, 0.15)],
        ],
    ),
    "g-shaped nine": (
        9,
        [
            [(0.65, 0.3), (0.4, 0.22), (0.35, 0.38), (0.45, 0.5), (0.65, 0.42), (0.65, 0.3)],
            [(0.65, 0.3), (0.62, 0.8), (0.4, 0.85), (0.3, 0.75)],
        ],
    ),
    "flat three": (3, [[(0.2, 0.4), (0.8, 0.4), (0.5, 0.5), (0.8, 0.56), (0.6, 0.62), (0.2, 0.6)]]),
    "wide four": (4, [[(0.55, 0.3), (0.1, 0.6), (0.9, 0.6)], [(0.55, 0.3), (0.55, 0.7)]]),
    "long-flag one": (1, [[(0.3, 0.45), (0.55, 0.18), (0.55, 0.85)]]),
}
JITTER = 0.03  # each point moves up to this fraction of the pad, each axis
SLANT = 0.4  # x moves by slant * (0.5 - y), slant uniform in [-SLANT, SLANT]


def variant(strokes: list[list[Point]], rng: random.Random) -> list[list[Point]]:
    """One drawing of a style: every point moved a little, the whole slanted a random amount."""
    slant = rng.uniform(-SLANT, SLANT)
    return [
        [(x + slant * (0.5 - y) + rng.uniform(-JITTER, JITTER), y + rng.uniform(-JITTER, JITTER)) for x, y in stroke]
        for stroke in strokes
    ]


def draw(app, strokes: list[list[Point]]) -> dict:
    """Clear the pad, draw the strokes with the mouse, and return the page's answer."""
    app.page.evaluate("window.scratchnn.pad.clear()")
    app.page.locator("#pad").scroll_into_view_if_needed()  # the mouse draws where the pad is on screen
    for stroke in strokes:
        app.stroke(stroke)
    answer = app.wait_for_prediction()
    if answer["empty"]:
        raise SystemExit("measure_teaching: the strokes left the pad empty")
    return answer


def drawings(per_style: int, seed: int) -> list[tuple[str, int, list[list[Point]]]]:
    rng = random.Random(seed)
    return [(name, label, variant(strokes, rng)) for name, (label, strokes) in STYLES.items() for _ in range(per_style)]


READ_WITH = """async ([name, images]) => {
  await window.scratchnn.useModel(name);
  const read = [];
  for (const image of images) read.push((await window.scratchnn.predictInput(image)).digit);
  return read;
}"""


def measure(site: Path, mine: int, fresh: int, seed: int) -> dict:
    from demo_page import open_app
    from local_server import serve_folder
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, serve_folder(site) as url:
        browser = playwright.chromium.launch(executable_path=chromium.executable(playwright), args=chromium.ARGS)
        app = open_app(browser, url, viewport={"width": 1280, "height": 900})
        page = app.page
        start_network = page.evaluate("window.scratchnn.state.model.name")
        kept = []
        for name, label, strokes in drawings(mine, seed):
            answer = draw(app, strokes)
            count = page.evaluate("window.scratchnn.teach.digits?.n ?? 0")
            page.locator(f"#teach-labels button[data-label='{label}']").click()  # "This drawing is a …"
            page.wait_for_function(f"() => window.scratchnn.teach.digits?.n === {count + 1}")
            kept.append({"style": name, "label": label, "read": answer["digit"], "image": answer["image"]})
        started = time.perf_counter()
        page.locator("#teach-run").click()
        page.wait_for_function(
            "() => { const t = window.scratchnn.teach; return t.events.some((e) => e.phase === 'end') && !t.running; }",
            timeout=900_000,
        )
        wall = time.perf_counter() - started
        result = page.evaluate(
            "(() => { const r = window.scratchnn.teach.result; return r && {before: {correct: r.before.correct, "
            "val_accuracy: r.before.val_accuracy, predicted: Array.from(r.before.predicted)}, after: {correct: "
            "r.after.correct, val_accuracy: r.after.val_accuracy, predicted: Array.from(r.after.predicted)}, "
            "steps: r.steps, seconds: r.seconds, settings: r.settings}; })()"
        )
        if not result:
            error = page.evaluate("document.getElementById('teach-error').textContent")
            raise SystemExit(f"measure_teaching: the page did not teach: {error}")
        taught = page.evaluate("window.scratchnn.state.model.name")
        new = []
        for name, label, strokes in drawings(fresh, seed + 1000):
            answer = draw(app, strokes)
            new.append({"style": name, "label": label, "after": answer["digit"], "image": answer["image"]})
        before = page.evaluate(READ_WITH, [start_network, [d["image"] for d in new]])
        for digit, read in zip(new, before, strict=True):
            digit["before"] = read
        browser.close()
    return {"network": start_network, "taught": taught, "mine": kept, "fresh": new, "result": result, "wall": wall}


def report(figures: dict) -> str:
    result, mine, fresh = figures["result"], figures["mine"], figures["fresh"]
    lines = [
        f"Teaching the {figures['network']} network in the page: {len(mine)} of your digits, "
        f"{result['steps']} steps in {result['seconds']:.1f} s of Python ({figures['wall']:.1f} s on the clock); "
        f"recipe {json.dumps(result['settings'])}",
        "",
        "| style | digit | yours right, before → after | fresh variants right, before → after |",
        "|---|---|---|---|",
    ]
    for name, (label, _) in STYLES.items():
        ks = [k for k, d in enumerate(mine) if d["style"] == name]
        before = sum(result["before"]["predicted"][k] == label for k in ks)
        after = sum(result["after"]["predicted"][k] == label for k in ks)
        new = [d for d in fresh if d["style"] == name]
        fresh_before = sum(d["before"] == label for d in new)
        fresh_after = sum(d["after"] == label for d in new)
        lines.append(
            f"| {name} | {label} | {before}/{len(ks)} → {after}/{len(ks)} | "
            f"{fresh_before}/{len(new)} → {fresh_after}/{len(new)} |"
        )
    n, m = len(mine), len(fresh)
    lines.append(
        f"| all | | {result['before']['correct']}/{n} → {result['after']['correct']}/{n} | "
        f"{sum(d['before'] == d['label'] for d in fresh)}/{m} → {sum(d['after'] == d['label'] for d in fresh)}/{m} |"
    )
    val_before, val_after = result["before"]["val_accuracy"], result["after"]["val_accuracy"]
    lines += [
        "",
        f"Validation accuracy (1,000 held-out MNIST digits): {val_before:.1%} → {val_after:.1%} "
        f"({(val_after - val_before) * 100:+.1f} points)",
    ]
    return "\n".join(lines)


def save(folder: Path, figures: dict) -> None:
    """mine.json and fresh.json in ``folder`` (replacing only digits files)."""
    import numpy as np

    from scratchnn.browser.digits import FORMAT, MyDigits

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("mine", "fresh"):
        path = folder / f"{name}.json"
        if path.exists():
            try:
                ours = json.loads(path.read_text()).get("format") == FORMAT
            except (OSError, ValueError, AttributeError):
                ours = False
            if not ours:
                raise SystemExit(f"measure_teaching: {path} exists and is not a digits file; not replacing it")
        digits = MyDigits()
        for digit in figures[name]:
            digits.add(np.array(digit["image"]), digit["label"])
        path.write_text(digits.to_json() + "\n")
        print(f"measure_teaching: wrote {path} ({digits.n} digits)")


CHECKPOINTS = (50, 100, 150, 200, 300)
# (replay per digit of yours, learning rate): no replay shows the forgetting; then the ratios.
RECIPES = ((0, 0.01), (1, 0.01), (3, 0.005), (3, 0.01), (3, 0.02), (7, 0.01), (7, 0.02))


def sweep(folder: Path, site: Path) -> str:
    """Teach the default network on DIR/mine.json with each replay ratio and rate, in CPython."""
    from scratchnn.browser import digits as digits_file
    from scratchnn.browser import load_data, load_model, teach

    mine = digits_file.from_json((folder / "mine.json").read_text(), "mine.json")
    fresh = digits_file.from_json((folder / "fresh.json").read_text(), "fresh.json")
    dataset = load_data((site / "data" / "mnist-subset.bin.gz").read_bytes())
    model = load_model("default", (site / "weights" / "default.json").read_text())
    rows = [
        "| replay per digit of yours | lr | steps | yours right | fresh right | validation (change) |",
        "|---|---|---|---|---|---|",
    ]
    start = teach.look(model.params, fresh, dataset)
    rows.append(f"| (before) | | 0 | {teach.look(model.params, mine, dataset)['correct']}/{mine.n} | "
                f"{start['correct']}/{fresh.n} | {start['val_accuracy']:.1%} |")  # fmt: skip
    for replay, lr in RECIPES:
        teacher = teach.Teacher(model, mine, dataset, steps=max(CHECKPOINTS), lr=lr, replay_per_mine=replay)
        for checkpoint in CHECKPOINTS:
            while teacher.taken < checkpoint:
                teacher.step(0.0)  # one step
            on_mine = teach.look(teacher.params, mine, dataset)
            on_fresh = teach.look(teacher.params, fresh, dataset)
            change = (on_mine["val_accuracy"] - start["val_accuracy"]) * 100
            rows.append(
                f"| {replay} | {lr} | {checkpoint} | {on_mine['correct']}/{mine.n} "
                f"| {on_fresh['correct']}/{fresh.n} | {on_mine['val_accuracy']:.1%} ({change:+.1f}) |"
            )
            print(rows[-1], flush=True)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mine", type=int, default=3, help="drawings of each style to teach with (default 3)")
    parser.add_argument("--fresh", type=int, default=4, help="fresh drawings of each style to test on (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--save", type=Path, help="keep the drawings as digits files in this folder")
    parser.add_argument("--sweep", type=Path, help="CPython sweep on the digits files saved in this folder")
    args = parser.parse_args(argv)
    for name in ("mine", "fresh"):
        if not 1 <= getattr(args, name) <= 20:
            parser.error(f"--{name} must be from 1 to 20")
    if args.site is not None and not (args.site / "site.json").is_file():
        parser.error(f"--site {args.site}: no site.json there (build one with scripts/build_site.py)")
    if args.sweep is not None and not all((args.sweep / f"{n}.json").is_file() for n in ("mine", "fresh")):
        parser.error(f"--sweep {args.sweep}: needs mine.json and fresh.json there (make them with --save)")
    with tempfile.TemporaryDirectory() as temporary:
        site = args.site or build_site.build(
            Path(temporary) / "_site", build_site.default_wheels(), cdn=None, quiet=True
        )
        if args.sweep is not None:
            print(sweep(args.sweep, site))
            return 0
        figures = measure(site, args.mine, args.fresh, args.seed)
        print(report(figures))
        if args.save is not None:
            save(args.save, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
