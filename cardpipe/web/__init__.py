"""`cardpipe serve`: a local web page over the same library functions the CLI calls
(review queue and edits, the due list and follow-ups, card images by id)."""

from .app import check_host, create_app

__all__ = ["create_app", "check_host"]
