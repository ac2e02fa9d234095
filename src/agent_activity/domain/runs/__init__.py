"""Agents, their versions and their runs (spec file 003)."""
