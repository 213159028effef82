"""The follow-up simulation of tests/test_followup_sim.py over many seeds: how much it
exercised and whether every simulated day's due list matched the independent computation.

    .venv/bin/python bench/followup_sim.py [SEEDS]      # default 40 seeds of 8 weeks
"""

from __future__ import annotations

import collections
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

import test_followup_sim as sim  # noqa: E402


def main(seeds: int = 40) -> int:
    totals: collections.Counter[str] = collections.Counter()
    failures = []
    t0 = time.perf_counter()
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as d:
            w = sim.World(pathlib.Path(d), seed)
            try:
                w.simulate(56)
            except AssertionError as e:
                failures.append((seed, str(e)[:200]))
            totals.update(w.seen)
            totals["days checked"] += w.checks
            totals["cards"] += w.cards
            for source, n in w.store.db.execute("SELECT source, COUNT(*) FROM followups GROUP BY source"):
                totals[f"follow-ups from {source}"] += n
            w.store.close()
    seconds = time.perf_counter() - t0
    print(f"{seeds} seeds x 57 simulated days in {seconds:.1f} s")
    for key, value in sorted(totals.items()):
        print(f"  {key:<24} {value}")
    print(f"days whose due list differed from the independent computation: {len(failures)}")
    for seed, msg in failures:
        print(f"  seed {seed}: {msg}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
