"""Demo-data steps of the treatment domain, one module per area (registered on import)."""

from . import (  # noqa: F401  (each module registers its steps)
    billing,
    monitoring,
    scheduling,
)
