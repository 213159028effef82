"""Reading many files: one engine per worker process, executors (serial for tests, a process pool for speed) and batches."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from .inbox import claim as ingest
from .inbox import faults
from .models import FileResult

if TYPE_CHECKING:
    from .ocr import OcrEngine
from .pipeline import R, ReadOptions, T, read_file, read_files

# ---------------------------------------------------------------------------
# Executors: serial (tests, debugging) or a process pool (speed)
# ---------------------------------------------------------------------------


class Executor(Protocol):
    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]: ...


class SerialExecutor:
    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        for item in items:
            if self.stop.is_set():
                return
            yield item, fn(item)


def _ignore_signals() -> None:
    # The parent decides when to stop; workers finish the card they hold.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _one_core()
    _die_with_parent()


def _one_core() -> None:
    """A reading process uses one core: parallelism comes from the number of processes
    (--jobs), and OpenCV's or Tesseract's own threads only fight over the same cores.
    Called in each worker, and in the parent when it reads itself (--jobs 1); it also
    has the process give large blocks of memory back when they are freed."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    _give_back_memory()


# bytes: a block of memory this large or larger is mapped on its own and given back to
# the system when freed (glibc's M_MMAP_THRESHOLD). glibc's default starts at 128 KB but
# rises to the size of every such block freed, up to 32 MB: after one 12-megapixel photo
# (36 MB a copy, 12 MB a grey one) or one pass of the detector, the images and buffers of
# every later card come from the heap, which keeps the worker's high-water mark. Fixed at
# 4 MB, `cardpipe run --jobs 2` peaks at 475 MB instead of 610 on the sample cards, 527
# instead of 700 with 12-megapixel photos (`bench/memory.py --run`). At 1 MB it saves a
# little more (467, 519 MB) but a 12-megapixel photo costs 13% more CPU (page faults of
# every fresh block); at 4 MB about 3%.
MMAP_THRESHOLD = 4 << 20


def _give_back_memory() -> None:
    """Large blocks (images, the detector's buffers) mapped on their own, so that a
    worker gives their memory back between cards. glibc only (mallopt); elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)  # -3 = M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    """A worker must not outlive a parent killed with SIGKILL: it would sit on the pool's
    queue forever. Linux only (prctl PR_SET_PDEATHSIG); elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class PoolExecutor:
    """A process pool with a bounded number of files in flight (bounded memory)."""

    def __init__(self, jobs: int, stop: threading.Event | None = None) -> None:
        self.jobs = jobs
        self.stop = stop or threading.Event()

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        it = iter(items)
        with ProcessPoolExecutor(max_workers=self.jobs, initializer=_ignore_signals) as pool:
            pending: dict[Future, T] = {}
            while True:
                # one task per worker, and one waiting for whichever finishes first
                while not self.stop.is_set() and len(pending) < self.jobs + 1:
                    try:
                        item = next(it)
                    except StopIteration:
                        break
                    pending[pool.submit(fn, item)] = item
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()


def make_executor(jobs: int, stop: threading.Event | None = None) -> Executor:
    return SerialExecutor(stop) if jobs <= 1 else PoolExecutor(jobs, stop)


class _Reader:
    """A picklable callable: a batch of (path, sha[, back side path]) -> their FileResults."""

    def __init__(self, opts: ReadOptions) -> None:
        self.opts = opts

    def __call__(self, batch: Sequence[tuple]) -> list[FileResult]:
        jobs = [(*job, None)[:3] for job in batch]
        for path, *_ in jobs:
            faults.point(f"reading {path.name}")  # testing hook: a reader process that dies on this file
        return read_files(jobs, self.opts)


# Files read together by one worker (`read_files`): the more, the less Tesseract
# start-up per card, and the more second-language reads share a process (the cards
# of one country), but the more memory (the prepared grayscale cards, 1-3 MB each)
# and the more files to finish when a run is stopped. 8 -> 16 takes Tesseract from
# 0.60 to 0.46 processes per file on the sample mix.
MAX_BATCH = 16


MIN_BATCH = 4  # the smallest batch, but for the last files


def batches(items: Sequence[T], workers: int, most: int = MAX_BATCH, least: int = MIN_BATCH) -> Iterator[list[T]]:
    """`items` in consecutive batches of at most `most`, smaller towards the end (half
    of each worker's share of what is left, down to `least`), so that no worker is left
    alone with a big last batch while the others are idle, nor reads its last files one
    Tesseract process each. One worker waits for no one: full batches."""
    i = 0
    while i < len(items):
        left = len(items) - i
        floor = min(least, most, -(-left // workers))  # never so big that a worker gets nothing
        size = most if workers <= 1 else max(floor, min(most, -(-left // (2 * workers))))
        yield list(items[i : i + size])
        i += size


def extract_files(
    paths: Iterable[Path], opts: ReadOptions, *, jobs: int = 1, engine: OcrEngine | None = None
) -> Iterator[FileResult]:
    """Read files without touching any database, in the order given; a `NAME-back`
    file given with its front is read with it, as one card."""
    paths = list(paths)
    pairs = ingest.pair_sides([PurePosixPath(p.as_posix()) for p in paths])
    back_of = {paths[f]: paths[b] for b, f in pairs.items()}
    paths = [p for i, p in enumerate(paths) if i not in pairs]
    if engine is not None:
        for p in paths:
            yield read_file(p, opts, engine, back=back_of.get(p))
        return
    results: dict[int, FileResult] = {}
    index = {p: i for i, p in enumerate(paths)}
    nxt = 0
    workers = min(jobs, len(paths))
    if workers == 1:
        _one_core()
    todo = batches([(p, "", back_of.get(p)) for p in paths], workers)
    for batch, res in make_executor(workers).map_unordered(_Reader(opts), todo):
        for (path, *_), result in zip(batch, res, strict=True):
            results[index[path]] = result
        while nxt in results:
            yield results.pop(nxt)
            nxt += 1
