"""Code and data that migrations run, frozen as they were when the migration was written.

Migrations never import application code (a test in tests/test_layout.py enforces it): editing the app
must not rewrite history. When a migration needs more than a few literal statements, its code lives here,
in a module named for the migration that first ran it (``protocols_0002``, ``datasafety_0007``).

A module here is never edited once a migration on ``main`` uses it. A later migration may import an
existing module unchanged, or add its own (copy, then change the copy). Django's migration loader skips
this package (its name starts with ``_``).
"""
