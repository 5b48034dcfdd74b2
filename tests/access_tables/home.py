from . import ADMIN, CLINICAL, PATIENT_ONLY, Case

TABLE = {
    "staff_home": Case(CLINICAL),
    "admin_home": Case(ADMIN),
    "portal_home": Case(PATIENT_ONLY),
}
