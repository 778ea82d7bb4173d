"""Benchmarks (`make bench`): each module prints its figures and its ratios to a named baseline."""
