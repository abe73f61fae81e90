"""Benchmarks of the warehouse (not part of the test suite): `python -m benchmarks.run`, render_editions.py."""
