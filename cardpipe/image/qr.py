"""QR codes on the card, decoded with zxing-cpp (the payload is parsed in `fields/qr.py`)."""

from __future__ import annotations

import logging

import numpy as np
import zxingcpp

log = logging.getLogger(__name__)

def decode_qr(image: np.ndarray) -> tuple[str, ...]:
    """The payloads of the QR codes in a BGR or grayscale image, dark on light or light on
    dark, at any turn (empty if none could be read)."""
    if image is None or image.size == 0:
        return ()
    try:
        found = zxingcpp.read_barcodes(np.ascontiguousarray(image), formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError) as e:  # an odd image: a card without a QR code is normal
        log.debug("QR decoding failed: %s", e)
        return ()
    return tuple(dict.fromkeys(b.text for b in found if b.text))
