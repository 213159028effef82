"""Make the decode/preprocess test images in tests/resources/ (run from anywhere).

    .venv/bin/python tests/resources/make_resources.py

Everything is synthetic: cards drawn with Pillow and the DejaVu fonts, then
rotated, warped, darkened or re-encoded to exercise one case each. The output
is deterministic (fixed random seeds) and every file is well under 300 KB.
See README.md beside this script for what each file tests.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
FONTS = Path("/usr/share/fonts/truetype/dejavu")

# Cards, by name: (name, title, company, phone, email, web, address)
PEOPLE = {
    "ada": ("Ada Lovelace", "Chief Analyst", "Engine Works Ltd", "+44 20 7946 0958",
            "ada@engineworks.co.uk", "www.engineworks.co.uk", "12 Marylebone Road, London NW1 5LR"),
    "alan": ("Alan Turing", "Research Fellow", "Bletchley Labs", "+44 1908 640404",
             "alan.turing@bletchley.org", "bletchley.org", "Sherwood Drive, Milton Keynes MK3 6EB"),
    "grace": ("Grace Hopper", "Rear Admiral", "Cobol Systems Inc", "+1 212 555 0142",
              "grace@cobolsystems.com", "cobolsystems.com", "1 Navy Yard, Arlington VA 22202"),
    "linus": ("Linus Pauling", "Professor", "Vitamin Research", "+1 650 555 0199",
              "linus@vitaminresearch.org", "vitaminresearch.org", "440 Oak Street, Palo Alto CA 94301"),
    "marie": ("Marie Curie", "Director", "Radium Institute", "+33 1 44 32 40 00",
              "marie.curie@radium.fr", "radium.fr", "11 rue Pierre et Marie Curie, 75005 Paris"),
}


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def card(who: str, dpi: int = 300, fg=(20, 20, 20), bg=(255, 255, 255), accent=(0, 90, 160)) -> Image.Image:
    """An 85 x 55 mm card at `dpi`, drawn upright, RGB."""
    name, title, company, phone, email, web, addr = PEOPLE[who]
    s = dpi / 300
    w, h = round(85 / 25.4 * dpi), round(55 / 25.4 * dpi)
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, w, round(18 * s)], fill=accent)
    d.text((round(60 * s), round(60 * s)), name, font=font(round(56 * s), bold=True), fill=fg)
    d.text((round(60 * s), round(130 * s)), title, font=font(round(34 * s)), fill=fg)
    d.text((round(60 * s), round(178 * s)), company, font=font(round(34 * s), bold=True), fill=accent)
    y = 300
    for line in (f"Tel {phone}", email, web, addr):
        d.text((round(60 * s), round(y * s)), line, font=font(round(30 * s)), fill=fg)
        y += 48
    return im


def save(im: Image.Image, name: str, **kw) -> None:
    path = HERE / name
    im.save(path, **kw)
    print(f"{name:32} {path.stat().st_size / 1024:7.1f} KB")


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)
    print(f"{name:32} {len(data) / 1024:7.1f} KB")


def exif_rotated() -> None:
    """Pixels stored turned 90 degrees counter-clockwise; EXIF orientation 6 says: turn clockwise to view."""
    im = card("ada").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x0110] = "Synthetic Camera"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:17 14:03:22"  # DateTimeOriginal
    save(im, "decode_exif_orientation6.jpg", quality=85, exif=exif.tobytes(), dpi=(300, 300))


def cmyk() -> None:
    """A CMYK JPEG (Pillow writes Adobe-style inverted CMYK) with a pure red block at the top left."""
    im = card("alan", accent=(230, 0, 0))
    ImageDraw.Draw(im).rectangle([0, 0, 120, 120], fill=(255, 0, 0))
    save(im.convert("CMYK"), "decode_cmyk.jpg", quality=90)
    # The same card as plain (non-inverted) CMYK without Adobe's APP14 marker, as some non-Adobe
    # software writes it: Pillow inverts on writing, so invert first, then drop the marker.
    buf = io.BytesIO()
    im.convert("CMYK").point(lambda v: 255 - v).save(buf, "JPEG", quality=90)
    write("decode_cmyk_plain.jpg", _drop_jpeg_segment(buf.getvalue(), 0xEE))


def _drop_jpeg_segment(data: bytes, marker: int) -> bytes:
    """The JPEG without its APPn/marker segments of type `marker` (before the scan)."""
    out, i = bytearray(data[:2]), 2
    while i < len(data):
        if data[i + 1] == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[i:]
            break
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if data[i + 1] != marker:
            out += data[i : i + 2 + length]
        i += 2 + length
    return bytes(out)


def rgba() -> None:
    """Black text on a fully transparent background (would turn black if alpha were dropped)."""
    base = card("grace", fg=(0, 0, 0))
    mask = base.convert("L").point(lambda v: 255 if v < 200 else 0)
    im = Image.new("RGBA", base.size, (0, 0, 0, 0))
    im.paste(base, mask=mask)
    save(im, "decode_rgba_transparent.png", optimize=True)


def sixteen_bit() -> None:
    """A 16-bit grayscale PNG: white is 65535, the text near 0, a mid-grey patch 32896 (-> 128)."""
    g = np.asarray(card("linus").convert("L")).astype(np.uint16) * 257
    g[400:500, 800:1000] = 32896
    save(Image.fromarray(g), "decode_16bit.png", optimize=True)


def palette() -> None:
    """A palette PNG with a transparent index as background."""
    im = card("marie").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    idx = im.getpixel((900, 600))
    save(im, "decode_palette_transparent.png", transparency=idx, optimize=True)


def multipage() -> None:
    a, b = card("ada", dpi=200), card("alan", dpi=200)
    buf = io.BytesIO()
    a.convert("L").save(buf, "TIFF", save_all=True, append_images=[b.convert("L")], compression="tiff_deflate",
                        dpi=(200, 200))
    write("decode_2pages.tif", buf.getvalue())
    buf = io.BytesIO()
    when = time.strptime("2024-05-17 14:03:22", "%Y-%m-%d %H:%M:%S")  # fixed: the same file on every run
    a.save(buf, "PDF", save_all=True, append_images=[b], resolution=200.0, quality=80, creationDate=when,
           modDate=when)
    write("decode_2pages.pdf", buf.getvalue())


def encrypted_pdf() -> None:
    """A one-page PDF whose standard security handler wants a user password (none we know)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 252 156] >>",
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + b"6b" * 32 + b"> /U <" + b"c3" * 32 + b"> >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff>"
            b"<00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n") % (len(objs) + 1, xref)
    write("decode_encrypted.pdf", bytes(out))


def bad_files() -> None:
    write("decode_empty.jpg", b"")
    write("decode_text_named.jpg", b"Name: Ada Lovelace\nPhone: +44 20 7946 0958\nThis is a text file, not a photo.\n")
    buf = io.BytesIO()
    card("ada").save(buf, "JPEG", quality=85)
    data = buf.getvalue()
    write("decode_truncated.jpg", data[: len(data) * 6 // 10])
    write("decode_eps_named.png", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 252 156\n%%EndComments\n"
                                  b"/Helvetica findfont 12 scalefont setfont 20 80 moveto (Ada Lovelace) show\n"
                                  b"showpage\n%%EOF\n")
    # A Photoshop header: signature, version 1, reserved, 3 channels, 156 x 252, 8 bits, RGB.
    write("decode_psd_named.png", b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 156, 252, 8, 3) + b"\x00" * 64)
    write("decode_svg_named.png", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                                  b'width="252" height="156"><text x="20" y="80">Ada Lovelace</text></svg>\n')
    buf = io.BytesIO()
    card("ada", dpi=60).convert("P").save(buf, "GIF")
    write("decode_gif_named.png", buf.getvalue())
    buf = io.BytesIO()
    card("ada", dpi=60).save(buf, "BMP")
    write("decode_bmp_named.png", buf.getvalue())


def bomb() -> None:
    """A 20000 x 20000 1-bit PNG (400 megapixels) in ~50 KB: a decompression bomb."""
    w = h = 20000
    row = b"\x00" + b"\x00" * (w // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
    png += chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    write("decode_bomb_20000x20000.png", png)


# ---- Preparation ----------------------------------------------------------


def rotated_scans() -> None:
    base = card("grace").convert("L")
    save(base, "prep_scan_upright.png", optimize=True, dpi=(300, 300))
    for deg, t in ((90, Image.Transpose.ROTATE_270), (180, Image.Transpose.ROTATE_180),
                   (270, Image.Transpose.ROTATE_90)):
        # prep_scan_rot90: the card lies turned 90 degrees clockwise; it must be turned back.
        save(base.transpose(t), f"prep_scan_rot{deg}.png", optimize=True, dpi=(300, 300))
    skewed = card("linus").convert("L").rotate(4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    save(skewed, "prep_scan_skew4.png", optimize=True, dpi=(300, 300))
    save(card("alan", dpi=150).convert("L"), "prep_scan_150dpi.png", optimize=True, dpi=(150, 150))


def dark() -> None:
    im = card("marie", fg=(235, 235, 225), bg=(22, 30, 52), accent=(200, 170, 90))
    save(im, "prep_dark_card.png", optimize=True, dpi=(300, 300))


def flatbed() -> None:
    """An A4 page at 150 dpi with 4 cards in 2 rows, slightly rotated and not quite aligned."""
    dpi = 150
    page = Image.new("RGB", (round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)), (250, 250, 248))
    spots = [("ada", (90, 120), 1.5), ("alan", (680, 100), -2.0), ("grace", (110, 560), -1.0), ("linus", (700, 590), 2.5)]
    for who, (x, y), angle in spots:
        c = card(who, dpi=dpi, bg=(255, 255, 255))
        # A card edge as scanners see it: a thin grey rim and a soft shadow.
        rim = Image.new("RGB", (c.width + 4, c.height + 4), (200, 200, 200))
        rim.paste(c, (2, 2))
        rgba = rim.convert("RGBA").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        shadow = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
        shadow.putalpha(rgba.getchannel("A").point(lambda a: 70 if a else 0))
        page.paste((150, 150, 150), (x + 3, y + 4), shadow.getchannel("A").filter(ImageFilter.GaussianBlur(3)))
        page.paste(rgba, (x, y), rgba)
    save(page, "prep_flatbed_4cards.jpg", quality=85, dpi=(dpi, dpi))


def band() -> None:
    """A light card whose phone and email are printed white on a dark red band along the bottom."""
    im = card("alan")
    d = ImageDraw.Draw(im)
    d.rectangle([0, 280, im.width, 420], fill=(255, 255, 255))  # clear the lower lines
    d.rectangle([0, 520, im.width, im.height], fill=(150, 20, 30))
    d.text((60, 555), "+44 1908 640404  ·  alan.turing@bletchley.org", font=font(32), fill=(255, 255, 255))
    save(im, "prep_band_card.png", optimize=True, dpi=(300, 300))


def flatbed_white() -> None:
    """Two white cards on a white lid at 150 dpi: only a one-pixel rim two levels darker and a soft
    shadow on the right and bottom show where the cards are."""
    dpi = 150
    page = np.full((round(297 / 25.4 * dpi), round(210 / 25.4 * dpi)), 255, np.uint8)
    for who, (x, y) in (("marie", (80, 150)), ("ada", (620, 700))):
        c = np.asarray(card(who, dpi=dpi).convert("L")).copy()
        h, w = c.shape
        for i in range(1, 8):  # shadow: right and bottom
            page[y + i : y + h + i, x + w + i - 1] = min(page[y + h // 2, x + w + i - 1], 238 + 2 * i)
            page[y + h + i - 1, x + i : x + w + i] = 238 + 2 * i
        c[0, :] = c[:, 0] = 253  # the rim: a level or two darker than the lid
        page[y : y + h, x : x + w] = c
    save(Image.fromarray(page), "prep_flatbed_white_2cards.png", optimize=True, dpi=(dpi, dpi))


def photo() -> None:
    """A phone photo: the card on a wooden desk, in perspective, with a shadow across it."""
    rng = np.random.default_rng(7)
    W, H = 1600, 1200
    x = np.linspace(0, 1, W)[None, :]
    y = np.linspace(0, 1, H)[:, None]
    grain = np.sin(x * 90 + np.sin(y * 7) * 3) * 10 + rng.normal(0, 2, (H, W))
    desk = np.dstack([70 + grain + 20 * y, 100 + grain + 25 * y, 140 + grain + 30 * y])  # BGR brown
    desk = np.clip(desk, 0, 255).astype(np.uint8)
    c = cv2.cvtColor(np.asarray(card("ada")), cv2.COLOR_RGB2BGR)
    ch, cw = c.shape[:2]
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    dst = np.float32([[380, 300], [1230, 360], [1260, 900], [330, 840]])
    M = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(c, M, (W, H))
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), M, (W, H))
    sh = cv2.GaussianBlur(cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), M, (W, H)), (41, 41), 0)
    sh = np.roll(np.roll(sh, 18, axis=0), 14, axis=1)
    img = desk.astype(np.float32) * (1 - 0.45 * sh[:, :, None] / 255)
    img = np.where(mask[:, :, None] > 0, warped.astype(np.float32), img)
    # light falls off across the card: a diagonal shadow
    light = 1 - 0.5 * np.clip((x * 0.9 + y * 0.6 - 0.75) * 2.2, 0, 1)
    img = img * light[:, :, None]
    img = cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (3, 3), 0)
    im = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    save(im, "prep_photo_desk.jpg", quality=80)


def main() -> None:
    exif_rotated()
    cmyk()
    rgba()
    sixteen_bit()
    palette()
    multipage()
    encrypted_pdf()
    bad_files()
    bomb()
    rotated_scans()
    dark()
    flatbed()
    flatbed_white()
    band()
    photo()


if __name__ == "__main__":
    main()
