"""The benchmark behind ``python manage.py bench``: a reproducible data set and the measurements.

``bench.dataset`` builds the synthetic multi-site data set (fixed seed, bulk inserts),
``bench.databases`` creates and switches between throw-away databases, and ``bench.measure``
times the pages round by round. All data is synthetic.
"""
