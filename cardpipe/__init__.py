"""cardpipe: business cards in, contacts, a follow-up list and spreadsheet exports out."""

__version__ = "0.1.0"
