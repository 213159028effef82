"""Reading several files in one batch (pipeline.read_files, ocr.serve, TesseractEngine.read_many):
the same results as one file at a time, fewer Tesseract processes, and a card that makes
the engine fail costs only its own file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES

from cardpipe import batch as batching
from cardpipe import ocr, pipeline
from cardpipe.errors import OcrError, OcrTimeout
from cardpipe.image import decode
from cardpipe.image import prepare as preprocess
from cardpipe.models import OcrPage

# ---------------------------------------------------------------------------
# ocr.serve: grouping and falling back, with a fake engine
# ---------------------------------------------------------------------------


class BatchEngine:
    """Answers each image with a page holding its first pixel value; records every call.
    An image whose first pixel is `bad` makes any call that includes it fail."""

    name = "fake"

    def __init__(self, bad: int | None = None, error: type[OcrError] = OcrError) -> None:
        self.calls: list[tuple[str, str | None, int]] = []  # (method, lang, images)
        self.bad = bad
        self.error = error

    def _page(self, image, lang) -> OcrPage:
        if int(image.flat[0]) == self.bad:
            raise self.error("this card breaks the engine")
        return OcrPage.from_text(f"pixel {int(image.flat[0])} {lang or 'default'}")

    def read(self, image, lang=None):
        self.calls.append(("read", lang, 1))
        return self._page(image, lang)

    def read_line(self, image, lang=None):
        self.calls.append(("read_line", lang, 1))
        return self._page(image, lang)

    def read_many(self, images, lang=None, kind="page"):
        self.calls.append((f"read_many:{kind}", lang, len(images)))
        return [self._page(im, lang) for im in images]

    def orientation(self, image):
        self.calls.append(("orientation", None, 1))
        return 90


def img(value: int) -> np.ndarray:
    return np.full((10, 10), value, np.uint8)


def test_serve_reads_each_kind_and_language_in_one_call_and_answers_in_order():
    eng = BatchEngine()
    reqs = [
        ocr.OcrRequest(img(1)),
        ocr.OcrRequest(img(2), lang="deu"),
        ocr.OcrRequest(img(3)),
        ocr.OcrRequest(img(4), kind="orientation"),
        ocr.OcrRequest(img(5), lang="deu"),
        ocr.OcrRequest(img(6), lang="deu", kind="line"),
    ]
    answers = ocr.serve(eng, reqs)
    assert [a.text if isinstance(a, OcrPage) else a for a in answers] == [
        "pixel 1 default", "pixel 2 deu", "pixel 3 default", 90, "pixel 5 deu", "pixel 6 deu",
    ]
    assert sorted(eng.calls, key=str) == sorted(
        [("read_many:page", None, 2), ("read_many:page", "deu", 2), ("orientation", None, 1), ("read_line", "deu", 1)],
        key=str,
    )


@pytest.mark.parametrize("error", [OcrError, OcrTimeout])
def test_a_failed_batch_is_read_one_by_one_and_only_the_bad_card_gets_the_error(error):
    eng = BatchEngine(bad=2, error=error)
    answers = ocr.serve(eng, [ocr.OcrRequest(img(v)) for v in (1, 2, 3)])
    assert answers[0].text == "pixel 1 default" and answers[2].text == "pixel 3 default"
    assert isinstance(answers[1], error)
    assert eng.calls == [("read_many:page", None, 3), ("read", None, 1), ("read", None, 1), ("read", None, 1)]


def test_an_engine_without_read_many_is_asked_once_per_image():
    class OneByOne(BatchEngine):
        read_many = None  # type: ignore[assignment]

    eng = OneByOne()
    ocr.serve(eng, [ocr.OcrRequest(img(v)) for v in (1, 2)])
    assert eng.calls == [("read", None, 1), ("read", None, 1)]


# ---------------------------------------------------------------------------
# pipeline.batches: every file once, in order, smaller batches at the end
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, workers, sizes",
    [
        (0, 2, []),
        (1, 2, [1]),
        (3, 2, [2, 1]),  # no batch so big that a worker gets nothing
        (3, 1, [3]),  # one worker: full batches
        (20, 1, [8, 8, 4]),
        (200, 1, [8] * 25),
        # smaller towards the end, but not below 4 files while a worker has more to do
        (40, 2, [8, 8, 6, 5, 4, 4, 3, 1, 1]),
        (14, 2, [4, 4, 3, 2, 1]),
    ],
)
def test_batches_cover_every_item_once_in_order(n, workers, sizes):
    out = list(batching.batches(list(range(n)), workers, most=8))
    assert [len(b) for b in out] == sizes
    assert [x for b in out for x in b] == list(range(n))


# ---------------------------------------------------------------------------
# The real engine: a batch reads exactly what single calls read
# ---------------------------------------------------------------------------


def load(path):
    return decode.load(path, max_bytes=50 << 20, max_pixels=100_000_000, max_pages=10)


def prepared(name: str) -> np.ndarray:
    return preprocess.prepare(load(SAMPLES / name).images[0])[0].image


def test_read_many_gives_the_same_words_and_boxes_as_one_call_per_image():
    eng = ocr.TesseractEngine()
    images = [prepared("scan300-01.png"), np.full((200, 400), 255, np.uint8), prepared("dark-03.png")]
    many = eng.read_many(images)
    assert len(many) == 3
    assert many[1].lines == ()  # a blank image in the middle keeps the others in place
    for image, page in zip(images, many, strict=True):
        single = eng.read(image)
        assert page == single
        assert (page.width, page.height) == (image.shape[1], image.shape[0])
    assert "@" in many[0].text and "@" in many[2].text


def test_reading_files_in_a_batch_gives_the_same_cards_as_one_at_a_time():
    # German and French cards (second-language reads, grouped by language), a name re-read
    # for its accents (Zoë), a card on its side, a photo
    names = ["scan300-03.png", "scan300-10.png", "scan150-03.png", "scan300-09.png", "rotated-02.png", "photo-01.jpg"]
    files = [SAMPLES / n for n in names]
    opts = pipeline.ReadOptions()
    together = pipeline.read_files([(f, "", None) for f in files], opts)
    alone = [pipeline.read_file(f, opts) for f in files]
    assert [r.path for r in together] == [str(f) for f in files]
    for t, a in zip(together, alone, strict=True):
        assert t.ok and a.ok, (t.error, a.error)
        assert [c.record for c in t.cards] == [c.record for c in a.cards]
        assert [c.ocr_text for c in t.cards] == [c.ocr_text for c in a.cards]


def test_a_batch_uses_fewer_tesseract_processes_than_files(monkeypatch):
    import pytesseract

    images_per_call: list[int] = []  # images each Tesseract process was given
    real = pytesseract.pytesseract.run_tesseract

    def spy(**kw):
        name = str(kw["input_filename"])
        images_per_call.append(len(Path(name).read_text().split()) if name.endswith(".txt") else 1)
        return real(**kw)

    monkeypatch.setattr(pytesseract.pytesseract, "run_tesseract", spy)
    files = [SAMPLES / n for n in ("scan300-01.png", "scan150-04.png", "dark-01.png", "photo-02.jpg")]
    results = pipeline.read_files([(f, "", None) for f in files], pipeline.ReadOptions(language_pass=False))
    assert all(r.ok for r in results)
    from cardpipe.ocr import detect

    lines = 0  # the text lines the detector finds on the four cards
    for f in files:
        card = preprocess.prepare(load(f).images[0])[0]
        boxes = detect.detector().detect(card.image)
        lines += sum(detect.cut_line(card.image, b) is not None for b in boxes)
    assert lines > 4 * 4
    assert images_per_call[0] == lines  # one process reads every line of every card
    assert len(images_per_call) < len(files)


def test_a_file_whose_card_breaks_the_engine_fails_alone(tmp_path):
    import cv2

    paths = []
    for i, width in enumerate((1000, 1100, 1200)):  # three one-card "scans" told apart by their width
        p = tmp_path / f"card-{i}.png"
        image = np.full((600, width), 255, np.uint8)
        cv2.putText(image, "Ada Lovelace", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
        cv2.imwrite(str(p), image)
        paths.append(p)
    bad_width = preprocess.prepare(load(paths[1]).images[0])[0].image.shape[1]

    class Engine(BatchEngine):
        def _page(self, image, lang):
            if image.shape[1] == bad_width:
                raise OcrError("Tesseract failed: this card breaks it")
            return OcrPage.from_text("Ada Lovelace\nada@example.com\n+44 20 7946 0958", conf=95)

    eng = Engine()
    results = pipeline.read_files([(p, "", None) for p in paths], pipeline.ReadOptions(language_pass=False), eng)
    assert [r.ok for r in results] == [True, False, True], [r.error for r in results]
    assert "breaks it" in results[1].error
    assert all(r.cards[0].record.emails == ("ada@example.com",) for r in (results[0], results[2]))
    assert eng.calls[0] == ("read_many:page", None, 3)
