"""Benchmarks (run as scripts: ``python bench/run.py``...); a package so that the tests
can import the independent reference computations (``bench.summary_reference``)."""
