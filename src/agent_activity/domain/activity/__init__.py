"""The activity log (spec file 004): records and their rollups, feeds, search, summaries."""
