"""A reading worker gives memory back between cards (`batch._give_back_memory`).

glibc raises its mmap threshold to the size of every large block freed (up to 32 MB):
after one big photo, the cards that follow come from the heap, and a hole in the heap is
not given back. Run in a fresh interpreter, as a worker starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import sys
import numpy as np
from cardpipe import batch
if sys.argv[1] == "on":
    batch._give_back_memory()
def rss():
    return int([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1]) // 1024
big = np.ones(20 << 20, np.uint8)  # a big photo, freed
del big
base = rss()
cards, kept = [], []
for _ in range(10):  # grey copies of big photos, 6 MB each, and something small each leaves behind
    cards.append(np.ones(6 << 20, np.uint8))
    kept.append(np.ones(16 << 10, np.uint8))
del cards
print(rss() - base)
"""


def held_mb(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CODE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc: Linux only")
def test_a_worker_gives_freed_images_back_after_a_big_photo():
    assert held_mb("off") >= 10  # what glibc does by itself: the freed cards stay resident
    assert held_mb("on") <= 3
