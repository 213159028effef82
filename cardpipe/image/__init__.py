"""Images: decoding files, finding the card in a photo, preparing it for OCR, QR codes."""
