"""Benchmarks: run with `python -m bench`; never collected by pytest."""
