"""One module per measured family: ingest, feeds, runs, presence, request log."""
