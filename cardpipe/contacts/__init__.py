"""Contacts: the store, dedupe of the same person met twice, corrections by hand."""
