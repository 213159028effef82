"""A second reader for the lines where one misread character costs a field: PP-OCR's text
recogniser (PP-OCRv4, CTC; `models/ppocr-v4-rec.onnx`, Apache-2.0, see `models/NOTICE`),
run by OpenCV's dnn module like the detector.

Tesseract reads every line of a card. This reader reads again the lines holding an e-mail
address, and its read is taken only where Tesseract's makes no valid address and its own
does (`pipeline._detected_reading`). It knows no ß, ç or ã and runs Latin words together,
so it never stands in for Tesseract anywhere else. Its character list (6,623 characters:
Latin, Chinese, Japanese kana...) came with the model, in its metadata, and is kept beside
it as `ppocr-v4-rec-keys.txt`.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

MODEL = Path(__file__).with_name("models") / "ppocr-v4-rec.onnx"
KEYS = Path(__file__).with_name("models") / "ppocr-v4-rec-keys.txt"
HEIGHT = 48  # px: the model's input height
MIN_WIDTH = 320  # px: narrower lines are padded to this, as PP-OCR pads them


class Recognizer:
    """PP-OCR's recogniser: a line image in, its text and mean character probability out."""

    def __init__(self, model: Path = MODEL, keys: Path = KEYS) -> None:
        self.net = cv2.dnn.readNetFromONNX(str(model))
        chars = keys.read_text(encoding="utf-8").split("\n")
        if chars and chars[-1] == "":
            chars.pop()
        self.chars = ["", *chars, " "]  # CTC's blank first; the space last, as PP-OCR adds it

    def read(self, line: np.ndarray) -> tuple[str, float]:
        """The text of one line image (grey or BGR, any height, text running across)."""
        if line.ndim == 2:
            line = cv2.cvtColor(line, cv2.COLOR_GRAY2BGR)
        h, w = line.shape[:2]
        width = max(1, math.ceil(HEIGHT * w / max(h, 1)))
        img = cv2.resize(line, (width, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT else cv2.INTER_CUBIC)
        blob = np.zeros((1, 3, HEIGHT, max(MIN_WIDTH, width)), dtype=np.float32)
        blob[0, :, :, :width] = (img.astype(np.float32).transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        self.net.setInput(blob)
        probs = self.net.forward()[0]  # (steps, characters)
        best, score = probs.argmax(axis=1), probs.max(axis=1)
        text, kept, prev = [], [], -1
        for k, p in zip(best, score, strict=True):
            if k != prev and k != 0 and k < len(self.chars):
                text.append(self.chars[k])
                kept.append(float(p))
            prev = k
        return "".join(text), (100.0 * sum(kept) / len(kept)) if kept else 0.0


_RECOGNIZER: Recognizer | None = None


def recognizer() -> Recognizer:
    """The process's recogniser, loaded on first use."""
    global _RECOGNIZER
    if _RECOGNIZER is None:
        _RECOGNIZER = Recognizer()
    return _RECOGNIZER
