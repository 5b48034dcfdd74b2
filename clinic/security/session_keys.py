"""Keys of the login session that the idle time-out keeps (``clinic.middleware.SessionTimeoutMiddleware``
writes them; the idle screens and the lock read them)."""

LAST_SEEN = "_last_seen"
LOGGED_IN_AT = "_logged_in_at"
LOCKED = "_locked"  # a staff session past its idle limit: locked until the same user types the password
