"""Benchmarks (`make bench`): each module prints its figures and ratios against its named baseline."""
