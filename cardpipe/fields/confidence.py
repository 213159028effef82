"""How a field's confidence is made: how well the value fits, the OCR confidence, and agreement between readings."""

from __future__ import annotations

# Fit of a value with no other evidence than its shape; see _conf().
CONFIDENCE_FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")


# --------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------


def _conf(fit: float, ocr: float, weight: float = 0.7) -> float:
    """Combine how well a value fits (0..1) with its OCR confidence (0..100).

    `weight` is how much the OCR confidence counts: less for values whose
    structure was checked (a validated e-mail, a valid number).
    """
    ocr01 = max(0.0, min(ocr, 100.0)) / 100.0
    return round(max(0.0, min(1.0, fit * (1 - weight + weight * ocr01))), 3)


def _agree(conf: float, times: int = 1) -> float:
    """Raise a confidence for each independent agreement (two reads that say the same thing)."""
    for _ in range(times):
        conf = 1 - (1 - conf) * 0.5
    return round(conf, 3)
