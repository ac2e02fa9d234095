"""Agents and their runs (spec file 003), under /api/agents."""
