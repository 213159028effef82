"""Make a front/back pair from a two-column sample card: the left column (name, title,
company) becomes the front, the right column (phones, email, web) the back.

    .venv/bin/python tests/resources/make_sides.py
"""

from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "sample_cards" / "images" / "scan300-13.png"


def main() -> None:
    card = cv2.imread(str(SRC))
    h, w = card.shape[:2]
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    # the column rule: the darkest thin vertical line near the middle
    middle = gray[:, w // 3 : 2 * w // 3]
    split = w // 3 + int(np.argmin(middle.mean(axis=0)))
    paper = np.full_like(card, np.median(card.reshape(-1, 3), axis=0).astype(np.uint8))
    front, back = paper.copy(), paper.copy()
    front[:, : split - 10] = card[:, : split - 10]
    back[:, : w - split - 10] = card[:, split + 10 :]
    cv2.imwrite(str(HERE / "sides-kelly-front.png"), front)
    cv2.imwrite(str(HERE / "sides-kelly-back.png"), back)


if __name__ == "__main__":
    main()
