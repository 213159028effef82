"""Safe loading of one input file into BGR pages.

    path -> sniff magic bytes -> check sizes from the header -> decode -> BGR uint8

The format comes from the first bytes of the file, never from its name: a PSD
renamed ``.png`` is refused before any decoder sees it. Every refusal is an
`InputFileError` subclass whose message is one sentence saying what is wrong with the file and
what to do, so the batch goes on and the file is set aside with that reason:

- `UnsupportedFormat`: empty-of-image data (text, EPS, PSD, SVG, GIF, BMP...),
  HEIC without the optional ``pillow-heif`` package, password-protected PDFs;
- `ImageTooLarge`: over ``max_bytes`` on disk, over ``max_pixels`` once decoded
  (checked from the header, before any pixel is allocated), or more pages than
  ``max_pages`` (the whole file is refused rather than silently dropping the
  cards on the later pages);
- `CorruptImage`: zero-byte, truncated or otherwise undecodable files.

What comes out is normalised for the next stage: EXIF orientation applied,
CMYK / 16-bit / palette / grayscale turned into 8-bit BGR, transparency
composited onto white, DPI taken from the metadata when it is plausible.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps

from ..errors import CorruptImage, ImageTooLarge, InputFileError, UnsupportedFormat
from ..models import SourceImage

log = logging.getLogger(__name__)

PDF_DPI = 300.0
JPEG_DRAFT_ABOVE = 24_000_000  # px: bigger JPEGs are decoded at a reduced scale, to 6-24 megapixels
_PDF_MIN_DPI = 72.0  # a huge PDF page is rendered at a lower resolution, never below this
_DPI_RANGE = (30.0, 5000.0)  # metadata outside this is junk (0, 1, 72 000...)

# Formats read; the names appear in messages.
JPEG, PNG, TIFF, WEBP, PDF, HEIF = "JPEG", "PNG", "TIFF", "WebP", "PDF", "HEIC"
SUPPORTED = (JPEG, PNG, TIFF, WEBP, PDF, HEIF)

_PIL_FORMAT = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF", WEBP: "WEBP", HEIF: "HEIF"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Decoded:
    """The pages of one input file, and when the photo was taken (EXIF), if it says."""

    images: tuple[SourceImage, ...]
    captured: dt.datetime | None = None
    format: str = ""


def load(path: Path, *, max_bytes: int, max_pixels: int, max_pages: int) -> Decoded:
    """Decode `path` into one BGR uint8 `SourceImage` per page, or raise an `InputFileError`.

    `max_bytes` caps the file size, `max_pixels` the width x height of every page
    (checked before decoding), `max_pages` the pages of a PDF or TIFF.
    """
    path = Path(path)
    data = _read(path, max_bytes)
    kind = sniff(data)
    if kind not in SUPPORTED:
        raise UnsupportedFormat(_unsupported_message(path, kind))
    if kind == PDF:
        return _load_pdf(path, data, max_pixels=max_pixels, max_pages=max_pages)
    return _load_raster(path, data, kind, max_pixels=max_pixels, max_pages=max_pages)


# --------------------------------------------------------------------------
# Reading and sniffing
# --------------------------------------------------------------------------


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # never read more than the cap, even if the file grows
    except FileNotFoundError as e:
        raise CorruptImage("it disappeared before it could be read.") from e
    except IsADirectoryError as e:
        raise UnsupportedFormat("it is a directory, not an image file.") from e
    except OSError as e:
        raise CorruptImage(f"it cannot be read: {e.strerror or e}.") from e
    if not data:
        raise CorruptImage("it is empty (0 bytes); copy the scan again.")
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"it is larger than the {_mb(max_bytes)} limit; "
            "scan at a lower resolution or raise max_file_mb in the config."
        )
    return data


def sniff(data: bytes) -> str:
    """The format of a file from its first bytes: one of SUPPORTED, or a description of what it is."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if b"%PDF-" in data[:1024]:  # readers accept the header anywhere in the first KB
        return PDF
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return HEIF
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video or ISO media file"
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return what
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:4096].lower():
        return "an SVG drawing"
    if text.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if _looks_like_text(data[:4096]):
        return "a text file"
    return "not an image format cardpipe knows"


_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%!PS-Adobe", "an EPS/PostScript file"),
    (b"%!", "a PostScript file"),
    (b"\xc5\xd0\xd3\xc6", "an EPS/PostScript file"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\x00\x00\x01\x00", "an icon (ICO) file"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"II+\x00", "a BigTIFF image"),
    (b"MM\x00+", "a BigTIFF image"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image"),
    (b"P1", "a PBM/PGM/PPM image"),
    (b"P4", "a PBM/PGM/PPM image"),
    (b"P5", "a PBM/PGM/PPM image"),
    (b"P6", "a PBM/PGM/PPM image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)


def _looks_like_text(chunk: bytes) -> bool:
    if b"\x00" in chunk:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(chunk) - 4:  # not just a character cut at the end of the chunk
            return False
    return True


def _unsupported_message(path: Path, kind: str) -> str:
    ext = path.suffix.lower()
    named = f" (although it is named {ext})" if ext else ""
    return (
        f"it is {kind}{named}, not an image cardpipe reads; "
        "save the card as JPEG, PNG, TIFF, WebP, HEIC or PDF."
    )


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


# --------------------------------------------------------------------------
# Raster formats (Pillow)
# --------------------------------------------------------------------------


def _heif_opener(path: Path) -> None:
    """Register pillow-heif with Pillow, or say how to install it."""
    try:
        import pillow_heif
    except ImportError as e:
        raise UnsupportedFormat(
            "it is a HEIC photo, and reading HEIC needs the optional pillow-heif package: "
            "pip install 'cardpipe[heic]' (or pip install pillow-heif), or export the photo as JPEG."
        ) from e
    pillow_heif.register_heif_opener()  # idempotent


def _load_raster(path: Path, data: bytes, kind: str, *, max_pixels: int, max_pages: int) -> Decoded:
    if kind == HEIF:
        _heif_opener(path)
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # set by some other library: truncated files would pass as grey
        log.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on; truncated images will not be detected")
    try:
        with warnings.catch_warnings():
            # Our own max_pixels check replaces Pillow's bomb warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Lazy: reads the header only. Only the sniffed format's plugin may open it.
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as im:
                n = getattr(im, "n_frames", 1) if kind == TIFF else 1
                if n > max_pages:
                    raise ImageTooLarge(
                        f"it has {n} pages, more than max_pages ({max_pages}); "
                        "split the file or raise max_pages in the config."
                    )
                captured = _captured(im)
                pages = []
                for i, (frame, scale) in enumerate(_frames(im, n, path, max_pixels)):
                    dpi = _dpi(frame, scale)
                    # a one-page file's decoded pixels are let go as soon as they are copied out
                    bgr = _to_bgr(frame, jpeg=kind == JPEG, release=n == 1)
                    pages.append(SourceImage(path=path, page=i, image=bgr, dpi=dpi))
                images = tuple(pages)
    except InputFileError:
        raise
    except Image.DecompressionBombError as e:  # Pillow's own cap (2 x MAX_IMAGE_PIXELS), hit at open
        m = re.search(r"\((\d+) pixels\)", str(e))
        raise ImageTooLarge(_too_many_pixels(path, None, max_pixels, int(m.group(1)) if m else None)) from e
    except MemoryError as e:
        raise ImageTooLarge("it is too large to decode in the memory available.") from e
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... on bad data
        raise CorruptImage(
            f"it looks like a {kind} image but cannot be decoded ({_reason(e)}); "
            "it may be truncated or damaged: scan or copy it again."
        ) from e
    return Decoded(images=images, captured=captured, format=kind)


def _frames(im: Image.Image, n: int, path: Path, max_pixels: int) -> Iterator[tuple[Image.Image, float]]:
    """Each page, size-checked before its pixels are decoded, loaded and upright; with its scale (<= 1)."""
    for i in range(n):
        if i:
            im.seek(i)
        w, h = im.size
        if w * h > max_pixels:
            raise ImageTooLarge(_too_many_pixels(path, (w, h), max_pixels))
        if w == 0 or h == 0:
            raise CorruptImage(f"it declares an empty {w}x{h} image.")
        scale = 1.0
        if im.format == "JPEG" and w * h > JPEG_DRAFT_ABOVE:
            # A 48-megapixel phone photo: let libjpeg decode it at 1/2 or 1/4 scale (faster, less
            # memory); a card in it keeps far more pixels than OCR needs.
            k = 2
            while w * h / (4 * k * k) >= JPEG_DRAFT_ABOVE / 4 and k < 8:
                k *= 2
            im.draft(None, (w // k, h // k))
            scale = im.size[0] / w
        im.load()
        if i == 0:  # EXIF orientation belongs to the first image; turned in place, not copied
            ImageOps.exif_transpose(im, in_place=True)
        yield im, scale


def _too_many_pixels(path: Path, size: tuple[int, int] | None, max_pixels: int, pixels: int | None = None) -> str:
    if size:
        dims = f" ({size[0]}x{size[1]} = {size[0] * size[1] / 1e6:.0f} megapixels)"
    else:
        dims = f" ({pixels / 1e6:.0f} megapixels)" if pixels else ""
    return (
        f"it is too large once decoded{dims}, over the {max_pixels / 1e6:g} megapixel limit; "
        "it may be a decompression bomb, or raise max_pixels in the config."
    )


def _reason(e: BaseException) -> str:
    text = str(e).strip().rstrip(".") or type(e).__name__
    return text[:120]


def _to_bgr(im: Image.Image, *, jpeg: bool = False, release: bool = False) -> np.ndarray:
    """Any Pillow mode -> contiguous BGR uint8, alpha composited onto white. With `release`,
    an RGB image is closed once its pixels are copied out (a 12-megapixel photo holds
    48 MB in Pillow and 36 MB per copy: this keeps two copies alive at a time, not four)."""
    mode = im.mode
    if mode == "RGB":
        raw = im.tobytes()
        width, height = im.size
        if release:
            im.close()
        return cv2.cvtColor(np.frombuffer(raw, np.uint8).reshape(height, width, 3), cv2.COLOR_RGB2BGR)
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(im)
        return _gray_to_bgr(_to_8bit(a))
    if mode == "CMYK":
        if jpeg and "adobe" not in im.info:
            # Pillow reads every CMYK JPEG as Adobe's inverted CMYK; without Adobe's APP14 marker
            # the samples are plain CMYK (as libjpeg and ImageMagick read them): undo the inversion.
            im = im.point(lambda v: 255 - v)
        im = _cmyk_to_rgb(im)
    elif mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa"):
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    elif mode not in ("L", "RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in mode else "RGB")
    if im.mode == "L":
        return _gray_to_bgr(np.asarray(im))
    a = np.asarray(im)
    if im.mode == "RGBA":
        rgb = _on_white(a)
    else:
        rgb = a
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)


def _to_8bit(a: np.ndarray) -> np.ndarray:
    """16-bit / 32-bit / float samples -> uint8, by the range the format allows."""
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind == "f":
        hi = 1.0 if float(np.nanmax(a, initial=0.0)) <= 1.0 else 255.0
        return np.clip(np.nan_to_num(a) * (255.0 / hi), 0, 255).astype(np.uint8)
    hi = int(a.max(initial=0))
    if hi <= 255:
        return a.astype(np.uint8)
    if hi <= 65535:
        return (a.astype(np.uint32) // 257).astype(np.uint8)
    return (a.astype(np.float64) * (255.0 / hi)).astype(np.uint8)


def _gray_to_bgr(g: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(g[:, :, None], 3, axis=2))


def _on_white(rgba: np.ndarray) -> np.ndarray:
    """Composite RGBA onto a white background: transparent areas become white, not black."""
    rgb = rgba[:, :, :3].astype(np.uint16)
    alpha = rgba[:, :, 3:4].astype(np.uint16)
    out = (rgb * alpha + 255 * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    """CMYK -> RGB via the embedded ICC profile when there is one, else Pillow's plain formula.

    """
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            out = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if out is not None:
                return out
        except Exception as e:  # a broken profile is no reason to lose the card
            log.debug("ICC conversion failed, using plain CMYK->RGB: %s", e)
    return im.convert("RGB")


def _dpi(im: Image.Image, scale: float = 1.0) -> float | None:
    dpi = im.info.get("dpi")
    try:
        x = (float(dpi[0]) if isinstance(dpi, tuple) else float(dpi)) * scale
    except (TypeError, ValueError, IndexError):
        return None
    lo, hi = _DPI_RANGE
    return round(x, 2) if lo <= x <= hi else None


_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004


def _captured(im: Image.Image) -> dt.datetime | None:
    """EXIF DateTimeOriginal (else DateTimeDigitized), as the camera's local time (naive)."""
    try:
        exif = im.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(_DATETIME_ORIGINAL) or sub.get(_DATETIME_DIGITIZED)
    except Exception:  # broken EXIF never costs the card
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if not isinstance(raw, str):
        return None
    raw = raw.strip().rstrip("\x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(raw[:19], fmt)
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------
# PDF (pypdfium2)
# --------------------------------------------------------------------------

_FPDF_ERR_PASSWORD = 4
_FPDF_ERR_SECURITY = 5


def _load_pdf(path: Path, data: bytes, *, max_pixels: int, max_pages: int) -> Decoded:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (_FPDF_ERR_PASSWORD, _FPDF_ERR_SECURITY):
            raise UnsupportedFormat(
                "it is a password-protected (encrypted) PDF; "
                "save an unprotected copy or export the pages as images."
            ) from e
        raise CorruptImage(
            f"it looks like a PDF but cannot be opened ({_reason(e)}); it may be truncated or damaged."
        ) from e
    try:
        n = len(doc)
        if n > max_pages:
            raise ImageTooLarge(
                f"it has {n} pages, more than max_pages ({max_pages}); "
                "split the PDF or raise max_pages in the config."
            )
        images = []
        for i in range(n):
            page = doc[i]
            try:
                w_pt, h_pt = page.get_size()
                dpi = PDF_DPI
                px = (w_pt / 72 * dpi) * (h_pt / 72 * dpi)
                if px > max_pixels:  # a poster-sized page: render it at a lower resolution
                    dpi = dpi * (max_pixels / px) ** 0.5 * 0.995  # pdfium rounds sizes up
                    if dpi < _PDF_MIN_DPI:
                        raise ImageTooLarge(
                            f"page {i + 1} is {w_pt / 72:.0f}x{h_pt / 72:.0f} inches, "
                            f"too large to render within the {max_pixels / 1e6:g} megapixel limit."
                        )
                    log.info("%s: page %d rendered at %.0f dpi to stay under max_pixels", path.name, i + 1, dpi)
                bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
                try:
                    arr = bitmap.to_numpy()
                    bgr = _pdf_bitmap_to_bgr(arr, bitmap.mode)
                finally:
                    bitmap.close()
            finally:
                page.close()
            images.append(SourceImage(path=path, page=i, image=bgr, dpi=round(dpi, 2)))
    except InputFileError:
        raise
    except MemoryError as e:
        raise ImageTooLarge("it is too large to render in the memory available.") from e
    except Exception as e:
        raise CorruptImage(f"a page of this PDF cannot be rendered ({_reason(e)}).") from e
    finally:
        doc.close()
    return Decoded(images=tuple(images), captured=None, format=PDF)


def _pdf_bitmap_to_bgr(arr: np.ndarray, mode: str) -> np.ndarray:
    """A pdfium bitmap view -> an owned BGR uint8 array."""
    if arr.ndim == 2:
        return _gray_to_bgr(arr.copy())
    if mode.startswith("RGB"):
        arr = arr[:, :, 2::-1] if arr.shape[2] >= 3 else arr
    return np.ascontiguousarray(arr[:, :, :3]).copy()
