"""Demo-data steps of the treatment domain, one module per area (registered on import)."""

from . import billing  # noqa: F401, E402
from . import monitoring  # noqa: F401, E402
from . import scheduling  # noqa: F401, E402
