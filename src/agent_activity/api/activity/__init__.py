"""The activity log (spec file 004), under /v1."""
