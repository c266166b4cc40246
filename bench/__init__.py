"""Benchmarks of ChainGraph's loaders and query library (see bench/run.py)."""
