"""Follow-ups: who is due and when, the due list edited in a spreadsheet, digest, calendar."""
