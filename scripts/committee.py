"""Train a committee of networks and measure how well their averaged probabilities read MNIST.

    python scripts/committee.py                         # `committee`: 8 x `best` -> results/committee/
    python scripts/committee.py --jobs 1                # one member at a time, on every core
    python scripts/committee.py --evaluate-only         # only measure the members already there
    python scripts/committee.py --members 3 --hidden 32 --epochs 2 --out /tmp/small

Member k is ``scripts/train.py --preset <member preset> --seed k --out <out>/member-k.json``, run
as its own process; ``--jobs`` of them run at once, each with an equal share of the cores for
its BLAS (2 jobs on 2 cores: one thread each, about 1.5x the throughput of one job on both).
A member file already there is kept if it is one of this committee's (the same settings and
seed), so a run that was stopped goes on where it was; a file there that is not (other
settings, or not a weights file) stops the command before any training: it is never replaced.
Then every member is measured on the 10,000 test images, alone and in the committee
(``scratchnn.committee``: the mean of their probabilities), and ``<out>/committee.json`` records
the members' checksums and accuracies. The last line on stdout is a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "scripts"))

import train  # noqa: E402  (beside this file: its argument checks, so each is written once)
from scratchnn import __version__, committee, files, mnist, network, normalise, weights  # noqa: E402
from scratchnn.config import COMMITTEES, PRESETS, TrainConfig  # noqa: E402

DEFAULT_OUT = ROOT / "results" / "committee"
# A member file must agree with its TrainConfig on every setting but store_dtype (the file records
# the dtype it holds, which is the training dtype when the setting is None).
COMPARED = tuple(field.name for field in dataclasses.fields(TrainConfig) if field.name != "store_dtype")


def member_count(text: str) -> int:
    """An argparse type: a number of members, checked by CommitteeConfig (its limits, written once)."""
    value = train.whole_number(1)(text)
    try:
        dataclasses.replace(COMMITTEES["committee"], members=value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train N networks with different seeds; measure their averaged probabilities on MNIST's test set.",
    )
    parser.add_argument("--preset", choices=sorted(COMMITTEES), default="committee", help="the committee")
    parser.add_argument("--members", type=member_count, help="how many members (default: the preset's)")
    parser.add_argument("--hidden", type=train.setting("hidden", int), help="every member's hidden units")
    parser.add_argument("--epochs", type=train.setting("epochs", int), help="every member's epochs")
    parser.add_argument(
        "--jobs", type=train.whole_number(1), default=min(2, os.cpu_count() or 1), help="members trained at once"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder of the members (default {DEFAULT_OUT})")
    parser.add_argument("--data-dir", type=train.data_folder, help="folder with the MNIST .gz files")
    parser.add_argument("--evaluate-only", action="store_true", help="train nothing; measure the members there")
    return parser.parse_args(argv)


def member_configs(args: argparse.Namespace, n: int) -> tuple[str, list[TrainConfig], list[list[str]]]:
    """The members' preset, each member's TrainConfig, and its overrides for train.py's command line."""
    plan = COMMITTEES[args.preset]
    changed = {name: getattr(args, name) for name in ("hidden", "epochs") if getattr(args, name)}
    configs, overrides = [], []
    for k in range(n):
        normalisation = plan.normalisation(k)
        configs.append(dataclasses.replace(PRESETS[plan.member], **changed, normalise=normalisation))
        extra = {**changed, **({"normalise": normalisation} if normalisation else {})}
        overrides.append([f"--{name}={value}" for name, value in extra.items()])
    return plan.member, configs, overrides


def check_folder(out: Path) -> None:
    """``out`` must be a folder (or nothing yet, in a folder that is there)."""
    if out.exists() and not out.is_dir():
        raise files.OutputError(f"{out} is not a folder")
    if not out.exists() and not out.parent.is_dir():
        raise files.OutputError(f"{out.parent} is not a folder")


def is_member(path: Path, config: TrainConfig, seed: int) -> bool:
    """Whether ``path`` holds this committee's member ``seed``; raises OutputError if the file
    there is something else (so it is neither replaced nor counted)."""
    if not path.exists() and not path.is_symlink():
        return False
    try:
        _, metadata = weights.load(path)
    except weights.WeightsError as error:
        raise files.OutputError(f"{path} is there but is not a weights file ({error}); move it away") from None
    wanted = config.to_dict()
    differs = [name for name in COMPARED if metadata.get(name) != wanted[name]]
    if metadata.get("seed") != seed:
        differs.append("seed")
    if differs:
        raise files.OutputError(f"{path} is a network with other settings ({', '.join(differs)}); move it away")
    return True


def train_members(todo: list[int], preset: str, overrides: list[list[str]], args: argparse.Namespace) -> None:
    """Run train.py for each seed in ``todo``, ``args.jobs`` at a time; raise RuntimeError if one fails."""
    env = dict(os.environ)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    running: list[tuple[int, subprocess.Popen, Any, float]] = []
    queue = list(todo)
    try:
        while queue or running:
            while queue and len(running) < args.jobs:
                seed = queue.pop(0)
                command = [sys.executable, str(ROOT / "scripts" / "train.py"), f"--preset={preset}", *overrides[seed],
                           f"--seed={seed}", f"--out={args.out / f'member-{seed}.json'}", "--no-plots"]  # fmt: skip
                if args.data_dir:
                    command.append(f"--data-dir={args.data_dir}")
                log = (args.out / f"member-{seed}.log").open("w")
                running.append((seed, subprocess.Popen(command, stdout=log, stderr=log, env=env), log, time.time()))
                print(f"member {seed}: training ({threads} BLAS thread(s)), log in {log.name}", file=sys.stderr)
            time.sleep(0.5)
            for item in list(running):
                seed, process, log, started = item
                if process.poll() is None:
                    continue
                running.remove(item)
                log.close()
                if process.returncode != 0:
                    tail = Path(log.name).read_text().strip().splitlines()[-1:] or ["(no output)"]
                    raise RuntimeError(f"member {seed} failed (exit {process.returncode}): {tail[0]}")
                print(f"member {seed}: done in {time.time() - started:.0f} s", file=sys.stderr)
    finally:
        for _, process, log, _ in running:  # interrupted: stop the others too (train.py writes nothing then)
            process.terminate()
            process.wait()
            log.close()


def evaluate(paths: list[Path], data: mnist.MnistData) -> dict[str, Any]:
    """Every member's test accuracy alone, and the committee's of the first n members for each n."""
    members, normalisations, rows = [], [], []
    for path in paths:
        params, metadata = weights.load(path)
        members.append(params)
        normalisations.append(metadata.get("normalise"))
        X = normalise.normalise(data.X_test, normalisations[-1])
        accuracy = network.accuracy(network.predict(params, X), data.Y_test)
        rows.append({"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                     "seed": metadata["seed"], "normalise": normalisations[-1], "test_accuracy": accuracy,
                     "train_seconds": metadata["train_seconds"]})  # fmt: skip
    by_size = [
        network.accuracy(committee.predict(members[:n], data.X_test, normalisations[:n]), data.Y_test)
        for n in range(1, len(members) + 1)
    ]
    return {"members": rows, "test_accuracy": by_size[-1], "test_accuracy_by_size": by_size}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.members or COMMITTEES[args.preset].members
    preset, configs, overrides = member_configs(args, n)
    paths = [args.out / f"member-{seed}.json" for seed in range(n)]
    try:
        check_folder(args.out)
        there = []
        if args.out.exists():
            logs = [path.with_suffix(".log") for path in paths]
            for path in [*paths, *logs, args.out / "committee.json"]:
                files.check_output_file(path)  # not a folder, a device or a FIFO
            there = [seed for seed, path in enumerate(paths) if is_member(path, configs[seed], seed)]
    except files.OutputError as error:
        print(f"error: --out {error}", file=sys.stderr)
        return 2
    todo = [seed for seed in range(n) if seed not in there]
    if args.evaluate_only and todo:
        print(f"error: --evaluate-only, but members {todo} are not in {args.out}", file=sys.stderr)
        return 2
    try:
        data = mnist.load(args.data_dir)  # now, so that missing data stops us before hours of training
    except (ValueError, mnist.MnistError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"committee {args.preset}: {n} x {preset} ({configs[0]}); {len(there)} there, {len(todo)} to train",
          file=sys.stderr)  # fmt: skip
    if todo:
        args.out.mkdir(exist_ok=True)
        try:
            train_members(todo, preset, overrides, args)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted: the members that finished are kept; run again to go on", file=sys.stderr)
            return 130
    result = evaluate(paths, data)
    for row in result["members"]:
        print(f"{row['file']}: {row['test_accuracy']:.4f}", file=sys.stderr)
    print("committee of the first n: " + " ".join(f"{a:.4f}" for a in result["test_accuracy_by_size"]),
          file=sys.stderr)  # fmt: skip
    record = {"committee": args.preset, "member_preset": "custom" if args.hidden or args.epochs else preset,
              "member_settings": [config.to_dict() for config in configs], **result,
              "train_seconds": round(sum(row["train_seconds"] for row in result["members"]), 1),
              "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "scratchnn_version": __version__}  # fmt: skip
    files.atomic_write(args.out / "committee.json", json.dumps(record, indent=1) + "\n")
    print(json.dumps({"committee": args.preset, "members": n, "test_accuracy": result["test_accuracy"],
                      "out": str(args.out)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
