"""decode.load: formats sniffed from bytes, refusals with a reason, and pixels normalised to BGR.

Fixtures are made by tests/resources/make_resources.py (see tests/resources/README.md).
"""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from cardpipe.errors import CorruptImage, ImageTooLarge, InputFileError, UnsupportedFormat
from cardpipe.image import decode

RES = Path(__file__).parent / "resources"
LIMITS = dict(max_bytes=50_000_000, max_pixels=100_000_000, max_pages=10)


def load(name: str | Path, **kw) -> decode.Decoded:
    return decode.load(RES / name if isinstance(name, str) else name, **{**LIMITS, **kw})


# ---- what is read, and how it comes out ----------------------------------


def test_exif_orientation_is_applied_and_capture_time_read():
    d = load("decode_exif_orientation6.jpg")
    (img,) = d.images
    # Stored 650 wide x 1004 high; orientation 6 turns it into the 1004 x 650 landscape card.
    assert img.image.shape == (650, 1004, 3)
    assert img.image.dtype == np.uint8
    # The blue accent bar is along the top once upright.
    top = img.image[5:15, 100:900].reshape(-1, 3).mean(axis=0)
    assert top[0] > 120 and top[2] < 60  # BGR: blue
    assert d.captured == dt.datetime(2024, 5, 17, 14, 3, 22)
    assert img.page == 0 and img.path.name == "decode_exif_orientation6.jpg"


def test_cmyk_jpeg_has_true_colours():
    (img,) = load("decode_cmyk.jpg").images
    b, g, r = img.image[60, 60].astype(int)
    assert r > 200 and g < 60 and b < 60, (b, g, r)  # the red block is red, not cyan
    assert img.image[600, 900].min() > 235  # white paper stays white


def test_plain_cmyk_jpeg_without_adobe_marker_has_true_colours():
    (img,) = load("decode_cmyk_plain.jpg").images
    b, g, r = img.image[60, 60].astype(int)
    assert r > 200 and g < 60 and b < 60, (b, g, r)
    assert img.image[600, 900].min() > 235


def test_transparent_background_becomes_white():
    (img,) = load("decode_rgba_transparent.png").images
    assert img.image.shape[2] == 3
    assert (img.image[-20:, -20:] == 255).all()  # a fully transparent corner
    assert img.image.min() < 40  # the text is still black


def test_palette_with_transparency_becomes_white():
    (img,) = load("decode_palette_transparent.png").images
    assert (img.image[600:620, 880:900] > 250).all()


def test_16_bit_png_is_scaled_to_8_bit():
    (img,) = load("decode_16bit.png").images
    a = img.image
    assert a.dtype == np.uint8 and a.shape[2] == 3
    assert abs(int(a[450, 900, 0]) - 128) <= 1  # 32896 / 257
    assert a[620, 20].min() == 255 and a.min() < 40


def test_multipage_tiff_gives_every_page():
    d = load("decode_2pages.tif")
    assert [i.page for i in d.images] == [0, 1]
    assert all(i.image.shape == (433, 669, 3) for i in d.images)
    assert d.images[0].dpi == pytest.approx(200, abs=1)


def test_pdf_pages_rendered_at_300_dpi():
    d = load("decode_2pages.pdf")
    assert len(d.images) == 2 and d.format == decode.PDF
    for i in d.images:
        h, w = i.image.shape[:2]
        assert i.dpi == 300
        assert abs(w - 1004) <= 3 and abs(h - 650) <= 3  # 85 x 55 mm at 300 dpi
        assert i.image.flags["C_CONTIGUOUS"] and i.image.flags["WRITEABLE"]


def test_big_pdf_page_is_rendered_at_a_lower_resolution():
    d = load("decode_2pages.pdf", max_pixels=300_000)
    for i in d.images:
        h, w = i.image.shape[:2]
        assert w * h <= 300_000 and i.dpi == pytest.approx(203, abs=2)
    with pytest.raises(ImageTooLarge, match="too large to render"):
        load("decode_2pages.pdf", max_pixels=20_000)  # would need less than 72 dpi


def test_too_many_pages_is_refused_not_truncated():
    with pytest.raises(ImageTooLarge, match="2 pages, more than max_pages"):
        load("decode_2pages.tif", max_pages=1)
    with pytest.raises(ImageTooLarge, match="max_pages"):
        load("decode_2pages.pdf", max_pages=1)


def test_password_protected_pdf_is_refused():
    with pytest.raises(UnsupportedFormat, match="password-protected"):
        load("decode_encrypted.pdf")


def test_webp_is_read(tmp_path):
    p = tmp_path / "card.webp"
    Image.open(RES / "prep_scan_upright.png").convert("RGB").save(p, "WEBP", quality=80)
    (img,) = decode.load(p, **LIMITS).images
    assert img.image.shape == (650, 1004, 3)


def test_huge_jpeg_is_decoded_at_reduced_scale(tmp_path):
    p = tmp_path / "48mp.jpg"
    Image.new("RGB", (8000, 6000), (250, 250, 250)).save(p, quality=70, dpi=(600, 600))
    (img,) = decode.load(p, **LIMITS).images
    assert img.image.shape == (3000, 4000, 3)
    assert img.dpi == pytest.approx(300)  # the DPI follows the pixels


def test_extension_is_ignored(tmp_path):
    p = tmp_path / "card.pdf"  # a PNG with the wrong name
    shutil.copy(RES / "prep_scan_upright.png", p)
    d = decode.load(p, **LIMITS)
    assert d.format == decode.PNG and d.images[0].dpi == pytest.approx(300, abs=1)


# ---- HEIC ----------------------------------------------------------------


def test_heic_is_read_when_pillow_heif_is_installed(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif has no HEVC encoder")
    pillow_heif.register_heif_opener()
    p = tmp_path / "IMG_0042.HEIC"
    # Stored turned, with EXIF orientation 6 and a capture time, as an iPhone would.
    im = Image.open(RES / "prep_scan_upright.png").convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2023:01:02 03:04:05"
    im.save(p, "HEIF", quality=60, exif=exif.tobytes())
    d = decode.load(p, **LIMITS)
    assert d.format == decode.HEIF and d.captured == dt.datetime(2023, 1, 2, 3, 4, 5)
    (img,) = d.images
    assert img.image.shape == (650, 1004, 3)  # upright, turned once (not twice)


def test_heic_without_pillow_heif_names_the_package(tmp_path, monkeypatch):
    p = tmp_path / "IMG_0001.HEIC"
    p.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails
    with pytest.raises(InputFileError, match=r"pip install 'cardpipe\[heic\]'") as e:
        decode.load(p, **LIMITS)
    assert "pillow-heif" in str(e.value)


# ---- refusals ------------------------------------------------------------


def test_empty_file():
    with pytest.raises(CorruptImage, match="empty"):
        load("decode_empty.jpg")


def test_file_over_max_bytes():
    with pytest.raises(ImageTooLarge, match="larger than the 0.01 MB limit"):
        load("decode_cmyk.jpg", max_bytes=10_000)


@pytest.mark.parametrize(
    "name, what",
    [
        ("decode_text_named.jpg", "a text file"),
        ("decode_eps_named.png", "EPS"),
        ("decode_psd_named.png", "Photoshop"),
        ("decode_svg_named.png", "SVG"),
        ("decode_gif_named.png", "GIF"),
        ("decode_bmp_named.png", "BMP"),
    ],
)
def test_other_formats_are_refused_before_any_decoder(name, what, monkeypatch):
    def no_decoding(*a, **k):
        raise AssertionError("a decoder was called on a file that should have been refused")

    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(UnsupportedFormat, match=what) as e:
        load(name)
    msg = str(e.value)
    # the caller names the file ("cardpipe: NAME: ..."); the reason says what it is
    assert msg.startswith("it is ") and name not in msg and f"named .{name.rsplit('.', 1)[1]}" in msg


def test_truncated_jpeg_is_corrupt():
    with pytest.raises(CorruptImage, match="truncated") as e:
        load("decode_truncated.jpg")
    assert e.value.__cause__ is not None
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_decompression_bomb_is_refused_without_decoding(monkeypatch):
    def no_pixels(self, *a, **k):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning either
        with pytest.raises(ImageTooLarge, match=r"\(400 megapixels\).*decompression bomb"):
            load("decode_bomb_20000x20000.png")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_decompression_bomb_peak_memory_stays_low():
    # VmHWM (peak resident memory) of a fresh process; ru_maxrss would include pytest's own peak.
    code = (
        "import re\n"
        "from pathlib import Path\n"
        "from cardpipe.image import decode\n"
        "from cardpipe.errors import ImageTooLarge\n"
        "try:\n"
        f"    decode.load(Path({str(RES / 'decode_bomb_20000x20000.png')!r}), max_bytes=10**8, "
        "max_pixels=10**8, max_pages=10)\n"
        "except ImageTooLarge:\n"
        "    print(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    peak_kb = int(out.stdout.strip())
    assert peak_kb < 250_000, f"peak RSS {peak_kb / 1024:.0f} MB: the 400 MB of pixels were allocated"


def test_max_pixels_is_checked_from_the_header(monkeypatch):
    def no_pixels(self, *a, **k):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_pixels)
    with pytest.raises(ImageTooLarge, match=r"1004x650 = 1 megapixels"):
        load("decode_16bit.png", max_pixels=500_000)


def test_pillow_bomb_limits_never_escape(monkeypatch):
    # Between Pillow's warning and error thresholds: our own check decides, no warning leaks.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 400_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (img,) = load("prep_scan_upright.png").images
    assert img.image.shape == (650, 1004, 3)
    # Beyond Pillow's error threshold: an ImageTooLarge, not a DecompressionBombError traceback.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200_000)
    with pytest.raises(ImageTooLarge):
        load("prep_scan_upright.png")


def test_missing_file_is_a_per_file_error(tmp_path):
    with pytest.raises(InputFileError):
        decode.load(tmp_path / "gone.jpg", **LIMITS)


def test_errors_pickle_with_their_message():
    try:
        load("decode_empty.jpg")
    except CorruptImage as e:
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is CorruptImage and str(again) == str(e)


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", decode.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", decode.PNG),
        (b"II*\x00\x08\x00\x00\x00", decode.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", decode.TIFF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", decode.WEBP),
        (b"%PDF-1.7\n", decode.PDF),
        (b"\x00\x00\x00\x18ftypheic", decode.HEIF),
        (b"\x00\x00\x00\x18ftypmif1", decode.HEIF),
        (b"\x00\x00\x00\x1cftypavif", "an AVIF image"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"8BPS\x00\x01", "a Photoshop (PSD) file"),
        (b"hello, world\n", "a text file"),
        (b"\x00\x01\x02\x03\xfe\xfd", "not an image format cardpipe knows"),
    ],
)
def test_sniff(head, kind):
    assert decode.sniff(head) == kind
