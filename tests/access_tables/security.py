from . import ADMIN, LOGIN, Case, roles

LOGGED_IN = roles(LOGIN, 200, 200, 200, 200, 200)

TABLE = {
    "two_factor": Case(LOGGED_IN),
    "two_factor_setup": Case(LOGGED_IN),
    # Without a device there is nothing to verify: back to the home page.
    "two_factor_verify": Case(roles(LOGIN, 302, 302, 302, 302, 302)),
    "two_factor_backup_codes": Case(LOGGED_IN),
    "two_factor_regenerate": Case(roles(LOGIN, 405, 405, 405, 405, 405)),
    "two_factor_disable": Case(roles(LOGIN, 405, 405, 405, 405, 405)),
    "audit_log": Case(ADMIN),
}
