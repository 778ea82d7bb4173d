"""The contract suite's figures (`make bench`): quick and full profile against the reference server,
and how long the suite takes to detect each deliberate fault of reference_server/faults.py.

Targets (issue "Contract suite ..."): quick profile <= 20 s, full profile <= 120 s, on this 2-core
machine, every fault detected. The times are wall-clock of `rancher-contract test` as CI runs it
(process start, the reference server already up); detection runs use the quick profile with
--exitfirst.
"""

from __future__ import annotations

import re
import time

from rancher_contract.contract_tests.runner import reference_server
from rancher_contract.contract_tests.selfcheck import SuiteRun, run_suite
from rancher_contract.reference_server.faults import FAULTS

QUICK_BUDGET = 20.0
FULL_BUDGET = 120.0
SEED = "20261201"


def _suite_seconds(run: SuiteRun) -> str:
    """The suite's own time from its last line ('... in 12.3 s')."""
    found = re.findall(r" in (\d+\.\d) s", run.output)
    return f"{found[-1]} s" if found else "?"


def _profile(name: str) -> SuiteRun:
    with reference_server() as (url, access_key, secret_key):
        return run_suite(
            url, access_key, secret_key, ["--profile", name, "--seed", SEED], timeout=600
        )


def main() -> int:
    ok = True
    print("profile  exit  wall      suite     budget")
    for name, budget in (("quick", QUICK_BUDGET), ("full", FULL_BUDGET)):
        run = _profile(name)
        within = run.code == 0 and run.seconds <= budget
        ok &= within
        print(
            f"{name:<8} {run.code:<5} {run.seconds:6.1f} s  {_suite_seconds(run):<9} <= "
            f"{budget:g} s "
            f"{'ok' if within else 'MISSED'}",
            flush=True,
        )
        if run.code != 0:
            print(run.output[-3000:])
    print(f"\nfaults: {len(FAULTS)} (quick profile, --exitfirst, seed {SEED})")
    print(f"{'fault':<34} {'detected':<9} {'wall':>7}  rules named")
    detected = 0
    started = time.monotonic()
    for name in sorted(FAULTS):
        with reference_server(faults=[name]) as (url, access_key, secret_key):
            args = [
                "--profile",
                "quick",
                "--exitfirst",
                "--seed",
                SEED,
                "--transition-timeout",
                "3",
            ]
            run = run_suite(url, access_key, secret_key, args)
        hit = run.code == 1 and bool(set(run.rules) & set(FAULTS[name].rules))
        detected += hit
        print(
            f"{name:<34} {'yes' if hit else 'NO':<9} {run.seconds:6.1f}s  {', '.join(run.rules)}",
            flush=True,
        )
    ok &= detected == len(FAULTS)
    print(
        f"\ndetected {detected} of {len(FAULTS)} faults in {time.monotonic() - started:.0f} s "
        "(one at a time)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
