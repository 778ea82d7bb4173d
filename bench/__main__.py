"""Run every benchmark in turn; a failing one is reported and the others still run."""

from __future__ import annotations

import importlib
import sys
import traceback

BENCHMARKS = [
    "bench.bench_generator",
    "bench.bench_server",
    "bench.bench_memory",
    "bench.bench_suite",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        try:
            module = importlib.import_module(name)
            code = module.main()
        except Exception:
            traceback.print_exc()
            code = 1
        if code:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
