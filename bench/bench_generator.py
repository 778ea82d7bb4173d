"""Generator benchmark: wall time of `rancher-contract generate`, side by side with the anchors.

    python -m bench.bench_generator          (or `make bench`, which runs every benchmark)

Every tool runs as a subprocess on the same spec, interleaved, after one warm-up run each (so
that each has its bytecode caches); the figure is the median of REPEAT runs. The subprocesses run
with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE is removed from their
environment), all tools alike.

Then the cost of size: synthetic specs of 10, 50 and 100 resources in the apiKey style
(bench/gen_synthetic_spec.py), to show it grows linearly. Goals: apiKey generation at most a third
of openapi-python-client's time; 100 resources under 5 s.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.gen_synthetic_spec import write_synthetic_spec
from rancher_contract.paths import DEFAULT_SPEC

__all__ = ["main"]

REPEAT = int(os.environ.get("BENCH_GENERATOR_REPEAT", "5"))
BIN = Path(sys.executable).parent
GOAL_RATIO = 1 / 3
GOAL_100 = 5.0


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return elapsed


def _ours(spec: Path, work: Path) -> Callable[[int], list[str]]:
    # a fresh output folder each run, so that every run writes its tree
    return lambda run: [
        str(BIN / "rancher-contract"),
        "generate",
        "--spec",
        str(spec),
        "--out",
        str(work / f"ours-{run}"),
    ]


def _opc(spec: Path, work: Path) -> Callable[[int], list[str]]:
    return lambda run: [
        str(BIN / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(work / "opc"),
        "--overwrite",
    ]


def _dcg(spec: Path, work: Path) -> Callable[[int], list[str]]:
    return lambda run: [
        str(BIN / "datamodel-codegen"),
        "--input",
        str(spec),
        "--input-file-type",
        "openapi",
        "--output",
        str(work / f"dcg-{run}.py"),
    ]


def _measure(tools: dict[str, Callable[[int], list[str]]], work: Path) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in tools}
    for command in tools.values():  # warm-up
        _timed(command(-1), work)
    for run in range(REPEAT):
        for name, command in tools.items():
            times[name].append(_timed(command(run), work))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    available = {
        "openapi-python-client": (BIN / "openapi-python-client").exists(),
        "datamodel-code-generator": (BIN / "datamodel-codegen").exists(),
    }
    work = Path(tempfile.mkdtemp(prefix="bench-generator-"))
    ok = True
    try:
        tools: dict[str, Callable[[int], list[str]]] = {
            "rancher-contract": _ours(DEFAULT_SPEC, work)
        }
        if available["openapi-python-client"]:
            tools["openapi-python-client"] = _opc(DEFAULT_SPEC, work)
        if available["datamodel-code-generator"]:
            tools["datamodel-code-generator"] = _dcg(DEFAULT_SPEC, work)
        medians = _measure(tools, work)
        ours = medians["rancher-contract"]
        print(f"apiKey spec ({DEFAULT_SPEC.name}), median of {REPEAT} runs after a warm-up:")
        for name, seconds in medians.items():
            note = "" if name == "rancher-contract" else f"   ours/theirs = {ours / seconds:.2f}"
            print(f"  {name:<26} {seconds:6.3f} s{note}")
        if "openapi-python-client" in medians:
            ratio = ours / medians["openapi-python-client"]
            verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
            print(f"  goal ours <= 1/3 of openapi-python-client: {ratio:.2f} ({verdict})")
            ok = ok and ratio <= GOAL_RATIO
        else:
            print("  openapi-python-client is not installed: no ratio")

        sizes = (10, 50, 100)
        specs = {n: write_synthetic_spec(n, work / f"synthetic-{n}.json") for n in sizes}
        scaled = _measure({f"{n}": _ours(specs[n], work / f"s{n}") for n in sizes}, work)
        t10, t50, t100 = scaled["10"], scaled["50"], scaled["100"]
        per_resource = (t100 - t10) / 90
        fixed = t10 - 10 * per_resource
        predicted50 = fixed + 50 * per_resource
        print(f"synthetic specs (apiKey-style resources, JSON), median of {REPEAT} runs:")
        print(f"  10 resources   {t10:6.3f} s")
        print(f"  50 resources   {t50:6.3f} s   (the 10..100 line predicts {predicted50:.3f} s)")
        print(f"  100 resources  {t100:6.3f} s   (x{t100 / t10:.1f} for x10 resources)")
        print(f"  fit: {fixed:.3f} s fixed + {per_resource * 1000:.1f} ms per resource")
        print(f"  linearity: 50 resources off the line by {100 * (t50 / predicted50 - 1):+.0f}%")
        verdict = "met" if t100 < GOAL_100 else "MISSED"
        print(f"  goal 100 resources < {GOAL_100:.0f} s: {verdict}")
        ok = ok and t100 < GOAL_100
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
