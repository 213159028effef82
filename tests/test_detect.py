"""The text detector in front of Tesseract (cardpipe/ocr/detect.py and the reading path
in pipeline.py), on cards drawn here to reproduce what real photos do to Tesseract's own
page layout: a card on wood grain at an angle, text over a colourful picture, light text
on a dark band, a card photographed on its side or upside down. The real detector model
and real Tesseract run in every test that reads an image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from cardpipe import pipeline
from cardpipe.models import OcrPage
from cardpipe.ocr import detect

CARD_LINES = [
    ("Helena Marsh", 58),
    ("Head of Logistics", 34),
    ("Northwind Freight Ltd", 34),
    ("helena.marsh@northwind-freight.co.uk", 30),
    ("Mobile +44 7700 900123", 30),
    ("www.northwind-freight.co.uk", 30),
]


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_card(width: int = 1050, height: int = 600, ground=(250, 250, 246), ink=(25, 25, 30),
              picture: bool = False, dark_band: bool = False) -> np.ndarray:
    """A card (RGB) with CARD_LINES; `picture` paints a colourful pattern behind the right
    half and under the text, `dark_band` prints the e-mail in white on a dark band."""
    img = Image.new("RGB", (width, height), ground)
    d = ImageDraw.Draw(img)
    if picture:
        rng = np.random.default_rng(3)
        for _ in range(40):
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            r = int(rng.integers(40, 160))
            colour = tuple(int(c) for c in rng.integers(120, 255, 3))
            d.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    y = 50
    for n, (text, size) in enumerate(CARD_LINES):
        if dark_band and n == 3:
            d.rectangle((0, y - 12, width, y + size + 16), fill=(20, 40, 90))
            d.text((60, y), text, font=font(size), fill=(255, 255, 255))
        else:
            d.text((60, y), text, font=font(size), fill=ink)
        y += size + (40 if n == 0 else 30)
    return np.array(img)


def wood(width: int, height: int) -> np.ndarray:
    """A wooden table top: brown bands of grain with dark streaks and knots (BGR)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    warp = 25 * np.sin(x / 170.0) + 10 * np.sin(x / 37.0 + 1.3)
    grain = np.sin((y + warp) / 6.0) + 0.5 * np.sin((y + warp) / 2.3) + rng.normal(0, 0.35, (height, width))
    base = np.stack([40 + 18 * grain, 80 + 25 * grain, 130 + 30 * grain], axis=-1)
    return np.clip(base, 0, 255).astype(np.uint8)


def photo_of(card_rgb: np.ndarray, angle: float = 7.0, turn: int = 0) -> np.ndarray:
    """The card on wood, turned `turn` quarter turns and tilted by `angle` degrees (BGR)."""
    card = cv2.cvtColor(card_rgb, cv2.COLOR_RGB2BGR)
    if turn:
        card = np.ascontiguousarray(np.rot90(card, -turn))
    h, w = card.shape[:2]
    frame_w, frame_h = (2000, 1500) if w >= h else (1500, 2000)
    table = wood(frame_w, frame_h)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += [(frame_w - w) / 2, (frame_h - h) / 2]
    placed = cv2.warpAffine(card, m, (frame_w, frame_h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), m, (frame_w, frame_h))
    table[mask > 0] = placed[mask > 0]
    return table


def read(tmp_path: Path, image: np.ndarray, **opts) -> dict:
    path = tmp_path / "card.jpg"
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    result = pipeline.read_file(path, pipeline.ReadOptions(region="GB", **opts))
    assert result.ok, result.error
    assert len(result.cards) == 1
    return result.cards[0].record


def assert_read_right(record) -> None:
    assert record.name == "Helena Marsh"
    assert record.emails == ("helena.marsh@northwind-freight.co.uk",)
    assert [p.e164 for p in record.phones] == ["+447700900123"]
    # the company's words; its legal form can come out as OCR slips it ('Lid'), which
    # the legal-form repair leaves as read where the case says it may be a word
    assert record.company.startswith("Northwind Freight L")


@pytest.mark.parametrize("turn", [0, 1, 2, 3], ids=["upright", "on-its-side", "upside-down", "other-side"])
def test_a_white_card_on_wood_grain_is_read_in_any_orientation(tmp_path, turn):
    assert_read_right(read(tmp_path, photo_of(draw_card(), turn=turn)))


def test_text_over_a_colourful_picture_and_white_on_a_dark_band_is_read(tmp_path):
    card = draw_card(picture=True, dark_band=True)
    assert_read_right(read(tmp_path, cv2.cvtColor(card, cv2.COLOR_RGB2BGR)))


def test_a_dark_card_with_a_glossy_reflection_is_read_line_by_line(tmp_path):
    """White print on a dark card, a bright reflection across the name (a real photo of a
    matte black card): evening out the light of the whole card leaves the name half black,
    half white; each line cut from the plain grey and set on its own reads."""
    card = draw_card(ground=(28, 28, 34), ink=(235, 235, 235)).astype(np.float32)
    h, w = card.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    gloss = np.clip(1 - np.abs((y - 0.35 * x * (h / w)) - 60) / 90, 0, 1) * 150
    card = np.clip(card + gloss[..., None], 0, 255).astype(np.uint8)
    record = read(tmp_path, cv2.cvtColor(card, cv2.COLOR_RGB2BGR))
    assert record.name == "Helena Marsh"
    assert record.emails == ("helena.marsh@northwind-freight.co.uk",)
    assert [p.e164 for p in record.phones] == ["+447700900123"]


def test_the_detector_path_reads_more_of_a_colourful_card_than_tesseracts_own_layout(tmp_path):
    """What the stage is for, measured on one card: the words of the card read right."""
    card = cv2.cvtColor(draw_card(picture=True, dark_band=True), cv2.COLOR_RGB2BGR)
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), card)
    words = {w.lower() for text, _ in CARD_LINES for w in text.split()}

    def found(text_detector: bool) -> int:
        result = pipeline.read_file(path, pipeline.ReadOptions(text_detector=text_detector))
        text = " ".join(c.ocr_text for c in result.cards).lower().split()
        return len(words & set(text))

    with_detector, without = found(True), found(False)
    assert with_detector == len(words)
    assert with_detector > without


# ---------------------------------------------------------------------------
# the stage's parts, on images whose answer is known
# ---------------------------------------------------------------------------


def test_detector_finds_each_printed_line_once_in_reading_order():
    card = cv2.cvtColor(draw_card(), cv2.COLOR_RGB2GRAY)
    boxes = detect.detector().detect(card)
    assert len(boxes) == len(CARD_LINES)
    tops = [b.top for b in boxes]
    assert tops == sorted(tops)
    for box in boxes:
        assert box.width > box.height  # lines run across


@pytest.mark.parametrize("width", [320, 704, 736, 900, 1024])
def test_bands_of_a_wide_input_are_fewer_rows_and_hold_no_more_pixels(width):
    rows = detect.strip_rows(width)
    assert rows % 32 == 0 and 128 <= rows <= detect.STRIP_ROWS
    assert (rows + 2 * detect.STRIP_OVERLAP) * width <= max(detect.STRIP_PIXELS, (128 + 2 * detect.STRIP_OVERLAP) * width)
    assert (rows == detect.STRIP_ROWS) == (width <= 704)


def test_a_large_card_read_in_narrow_bands_gives_each_line_once():
    """A card cut out of a 12-megapixel photo: its input is 1024 px wide, read in bands of
    224 rows (and their context); a line across a seam between bands is found once."""
    card = cv2.resize(cv2.cvtColor(draw_card(), cv2.COLOR_RGB2GRAY), None, fx=2.3, fy=2.3,
                      interpolation=cv2.INTER_CUBIC)
    assert detect.strip_rows(1024) < detect.STRIP_ROWS
    assert card.shape[0] * detect.MAX_SIDE / card.shape[1] > 2 * detect.strip_rows(1024)  # three bands or more
    boxes = detect.detector().detect(card)
    assert len(boxes) == len(CARD_LINES), [(round(b.top), round(b.width)) for b in boxes]


def test_detector_finds_nothing_on_plain_wood():
    assert detect.detector().detect(wood(1200, 800)) == []


def test_upside_down_lines_are_told_by_the_line_classifier():
    card = cv2.cvtColor(draw_card(), cv2.COLOR_RGB2GRAY)
    found = detect.detector()
    assert not found.upside_down(card, found.detect(card))
    flipped = cv2.rotate(card, cv2.ROTATE_180)
    assert found.upside_down(flipped, found.detect(flipped))


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_box_turned_with_its_image_lands_on_the_same_text(degrees):
    image = np.zeros((300, 500), np.uint8)
    box = detect.TextBox(detect.order_quad(np.array([[50, 40], [250, 40], [250, 80], [50, 80]], np.float32)), 0.9)
    cv2.fillPoly(image, [box.quad.astype(np.int32)], 255)
    code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[degrees]
    turned_image = cv2.rotate(image, code)
    tb = detect.turned(box, 500, 300, degrees)
    x0, y0, x1, y1 = tb.bounds()
    inside = turned_image[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1]
    assert inside.size and inside.min() == 255
    assert (tb.width > tb.height) == (degrees == 180)


def test_a_line_is_cut_flat_dark_on_light_whatever_its_polarity():
    for ground, ink in ((255, 0), (20, 235)):
        image = np.full((200, 600), ground, np.uint8)
        cv2.putText(image, "Sample 42", (40, 120), cv2.FONT_HERSHEY_SIMPLEX, 2.0, ink, 5)
        box = detect.TextBox(detect.order_quad(np.array([[30, 60], [420, 60], [420, 140], [30, 140]], np.float32)), 1)
        line = detect.cut_line(image, box)
        assert line is not None
        inner = line.image[line.pad : -line.pad, line.pad : -line.pad]
        assert inner.shape[0] == detect.LINE_HEIGHT
        assert (inner.min(), inner.max()) == (0, 255)  # contrast stretched
        assert (inner < 128).mean() < 0.5  # the text is the dark minority
        assert line.image[0].min() == 255  # white padding


def test_words_are_placed_back_on_the_card_along_their_line():
    box = detect.TextBox(detect.order_quad(np.array([[100, 200], [500, 200], [500, 240], [100, 240]], np.float32)), 1)
    line = detect.LineImage(box, np.full((72, 480 + 24), 255, np.uint8), pad=12)
    page = OcrPage.from_text("Hello World", conf=90)
    words = page.lines[0].words
    # the reader's page: first word at the left end of the line image, second at its middle
    from cardpipe.models import OcrLine, OcrWord

    read = OcrPage((OcrLine((OcrWord(words[0].text, 90, 12, 20, 120, 40), OcrWord(words[1].text, 80, 252, 20, 120, 40))),),
                   width=504, height=72)
    out = detect.page_from_lines([line], [read], width=800, height=400)
    placed = out.lines[0].words
    assert [w.text for w in placed] == ["Hello", "World"]
    assert placed[0].left == 100 and placed[1].left == 300
    assert all(w.top == 200 and w.height == 40 for w in placed)
    assert out.engine == "tesseract+det"


class WeakEngine:
    """Reads every line and every page as one low-confidence scrap; counts what it is asked."""

    name = "weak"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def read(self, image, lang=None):
        self.asked.append("page")
        return OcrPage.from_text("x1 ~", conf=30.0)

    def read_textline(self, image, lang=None):
        self.asked.append("textline")
        return OcrPage.from_text("x1 ~", conf=30.0)

    def orientation(self, image):
        self.asked.append("orientation")
        return 90


def test_a_weak_reading_of_detected_lines_costs_one_whole_card_read_and_no_more():
    """A whole-card read of a large noisy photo can take Tesseract a minute: where the detector
    found lines, a weak reading gets one second opinion, not OSD and alternative preparations."""
    from cardpipe.models import PreparedCard

    card = PreparedCard(source=Path("x.png"), index=0, image=cv2.cvtColor(draw_card(), cv2.COLOR_RGB2GRAY))
    engine = WeakEngine()
    pipeline.read_card(card, engine)
    assert engine.asked.count("textline") == len(CARD_LINES)
    assert engine.asked.count("page") == 1
    assert "orientation" not in engine.asked


def test_a_card_where_the_detector_finds_nothing_is_read_whole_as_before():
    from cardpipe.models import PreparedCard

    card = PreparedCard(source=Path("x.png"), index=0, image=np.full((600, 1000), 255, np.uint8))
    engine = WeakEngine()
    pipeline.read_card(card, engine)
    assert "textline" not in engine.asked
    assert engine.asked[:2] == ["page", "orientation"]


def test_debug_images_are_written_before_ocr_so_a_card_that_fails_can_be_looked_at(tmp_path):
    from cardpipe.errors import OcrTimeout

    class Hangs(WeakEngine):
        def read(self, image, lang=None):
            raise OcrTimeout("Tesseract took longer than 60 s (ocr_timeout).")

        read_textline = read

    path = tmp_path / "card.png"
    image = np.full((600, 1000), 255, np.uint8)  # nothing for the detector: Tesseract reads it whole, and hangs
    cv2.putText(image, "~", (400, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.imwrite(str(path), image)
    debug = tmp_path / "debug"
    result = pipeline.read_file(path, pipeline.ReadOptions(debug_dir=debug), Hangs())
    assert not result.ok and "longer than 60 s" in result.error
    written = list(debug.glob("card-*.png"))
    assert len(written) == 1
    assert cv2.imread(str(written[0]), cv2.IMREAD_GRAYSCALE) is not None


def test_an_email_line_gets_a_second_look_and_the_surer_read_stays():
    """The first read of every line is grey at 40 px; an e-mail or web line is read again
    larger in black and white, and the read with the higher confidence is kept."""
    from cardpipe.models import PreparedCard

    second_height = detect.SECOND_LOOK_HEIGHT + 2 * (detect.SECOND_LOOK_HEIGHT // 4)

    class Engine(WeakEngine):
        def read_textline(self, image, lang=None):
            self.asked.append(f"textline:{image.shape[0]}")
            if image.shape[0] == second_height:
                return OcrPage.from_text("helena.marsh@northwind-freight.co.uk", conf=93.0)
            return OcrPage.from_text("helena.rnarsh@northwind-freight.co.uk" if self.asked.count("first") == 3
                                     else "Some Words Here", conf=70.0)

        def read(self, image, lang=None):
            self.asked.append("page")
            return OcrPage.from_text("x", conf=10.0)

    class Counting(Engine):
        def read_textline(self, image, lang=None):
            if image.shape[0] != second_height:
                self.asked.append("first")
            return super().read_textline(image, lang)

    card = PreparedCard(source=Path("x.png"), index=0, image=cv2.cvtColor(draw_card(), cv2.COLOR_RGB2GRAY))
    engine = Counting()
    _, page = pipeline.read_card(card, engine)
    assert engine.asked.count(f"textline:{second_height}") == 1  # only the e-mail line is looked at again
    assert "helena.marsh@northwind-freight.co.uk" in page.text
    assert "rnarsh" not in page.text


# --------------------------------------------------------------------------
# Evidence: where each field was read, on the file the user sees
# --------------------------------------------------------------------------


def truth_box(line: int, angle: float, turn: int, frame: tuple[int, int]) -> tuple[float, float, float, float]:
    """Where CARD_LINES[line] lies on the photo `photo_of(draw_card(), angle, turn)` makes."""
    card = draw_card()
    y = 50 + sum(size + (40 if n == 0 else 30) for n, (_, size) in enumerate(CARD_LINES[:line]))
    text, size = CARD_LINES[line]
    left, top, right, bottom = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((60, y), text, font=font(size))
    h, w = card.shape[:2]
    pts = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float64)
    for _ in range(turn % 4):  # np.rot90(card, -1): a clockwise quarter turn
        pts = np.stack([h - 1 - pts[:, 1], pts[:, 0]], axis=1)
        h, w = w, h
    frame_w, frame_h = frame
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += [(frame_w - w) / 2, (frame_h - h) / 2]
    placed = np.hstack([pts, np.ones((4, 1))]) @ m.T
    return placed[:, 0].min(), placed[:, 1].min(), placed[:, 0].max(), placed[:, 1].max()


def overlap(a, b) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize(("angle", "turn"), [(7.0, 0), (-5.0, 2), (4.0, 1)], ids=["tilted", "upside-down", "on-its-side"])
def test_evidence_boxes_outline_each_field_on_the_photo(tmp_path: Path, angle: float, turn: int) -> None:
    """The card found, cut out, turned and scaled for OCR; the boxes each field was read from
    come back in the photo's own pixels (the review page draws them over the archived file)."""
    photo = photo_of(draw_card(), angle=angle, turn=turn)
    path = tmp_path / "card.jpg"
    cv2.imwrite(str(path), photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    card = pipeline.read_file(path, pipeline.ReadOptions(region="GB")).cards[0]
    evidence = dict(card.record.evidence)
    frame = (photo.shape[1], photo.shape[0])
    for field, line in (("name", 0), ("title", 1), ("emails", 3), ("phones", 4), ("website", 5)):
        assert field in evidence, (field, card.record)
        (box,) = evidence[field]
        assert overlap(box, truth_box(line, angle, turn, frame)) > 0.5, (field, box, truth_box(line, angle, turn, frame))
    assert card.record.to_json()["evidence"]["name"] == [list(evidence["name"][0])]
