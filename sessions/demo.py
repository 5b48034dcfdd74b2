"""Demo-data steps of the treatment domain: each area's module registers its steps on import."""

from sessions.billing import demo as billing_demo  # noqa: F401
from sessions.billing import demo_claims as billing_demo_claims  # noqa: F401
from sessions.monitoring import demo as monitoring_demo  # noqa: F401
from sessions.outcomes import demo as outcomes_demo  # noqa: F401
from sessions.scheduling import demo as scheduling_demo  # noqa: F401
