"""The protocols every clinic starts with (each names its published source); admins may edit them afterwards."""

PROTOCOLS = [
    {
        "slug": "esketamine-trd",
        "name": "Esketamine for treatment-resistant depression",
        "treatment": "esketamine",
        "indication": "Treatment-resistant depression (TRD)",
        "source": "SPRAVATO prescribing information, dosage for TRD",
        "description": "Induction weeks 1–4 twice a week (day 1 56 mg, then 56 or 84 mg); weeks 5–8 weekly; "
        "from week 9 weekly or every two weeks at the lowest frequency that keeps the response.",
        "phases": [
            {
                "order": 1,
                "kind": "induction",
                "name": "Induction (weeks 1–4)",
                "sessions_per_week": 2,
                "weeks": 4,
                "min_days_between": 2,
                "default_dose_mg": 56,
                "first_dose_mg": 56,
                "review_at_end": True,
            },
            {
                "order": 2,
                "kind": "consolidation",
                "name": "Weekly (weeks 5–8)",
                "sessions_per_week": 1,
                "weeks": 4,
                "min_days_between": 5,
                "default_dose_mg": 56,
            },
            {
                "order": 3,
                "kind": "maintenance",
                "name": "Maintenance (week 9 on)",
                "sessions_per_week": 1,
                "interval_weeks": 2,
                "weeks": None,
                "min_days_between": 5,
                "default_dose_mg": 56,
            },
        ],
    },
    {
        "slug": "esketamine-mdsi",
        "name": "Esketamine for depression with suicidal ideation",
        "treatment": "esketamine",
        "indication": "Major depressive disorder with acute suicidal ideation or behaviour",
        "source": "SPRAVATO prescribing information, dosage for MDD with acute suicidal ideation",
        "description": "84 mg twice a week for 4 weeks (may be reduced to 56 mg for tolerability), then re-evaluate; "
        "use beyond 4 weeks has not been studied.",
        "phases": [
            {
                "order": 1,
                "kind": "induction",
                "name": "Twice weekly (4 weeks)",
                "sessions_per_week": 2,
                "weeks": 4,
                "min_days_between": 2,
                "default_dose_mg": 84,
                "review_at_end": True,
            },
        ],
    },
    {
        "slug": "iv-ketamine",
        "name": "IV ketamine infusion series",
        "treatment": "ketamine_iv",
        "indication": "Treatment-resistant depression (off-label)",
        "source": "Published IV ketamine studies: 0.5 mg/kg over 40 minutes, about 6 infusions over 2–3 weeks",
        "description": "Induction series of 6 infusions over 2–3 weeks (2–3 a week), then maintenance as prescribed.",
        "phases": [
            {
                "order": 1,
                "kind": "induction",
                "name": "Infusion series (6 over 2–3 weeks)",
                "sessions_per_week": 3,
                "weeks": 3,
                "total_sessions": 6,
                "min_days_between": 1,
                "default_dose_mg_per_kg": "0.50",
                "observation_minutes": 90,
                "dosing_minutes": 45,
                "review_at_end": True,
            },
            {
                "order": 2,
                "kind": "maintenance",
                "name": "Maintenance (as prescribed)",
                "sessions_per_week": 1,
                "interval_weeks": 4,
                "weeks": None,
                "min_days_between": 7,
                "default_dose_mg_per_kg": "0.50",
                "observation_minutes": 90,
                "dosing_minutes": 45,
            },
        ],
    },
]


def install_protocols(Protocol, ProtocolPhase, *, using: str = "default") -> None:  # noqa: N803
    """Create the standard protocols where missing; never overwrite an admin's edits.

    Migration 0002 installs its own frozen copy of this list (sessions/migrations/_frozen/).
    """
    for spec in PROTOCOLS:
        spec = dict(spec)
        phases = spec.pop("phases")
        protocol, created = Protocol.objects.using(using).get_or_create(slug=spec["slug"], defaults=spec)
        if not created:
            continue
        for phase in phases:
            ProtocolPhase.objects.using(using).create(protocol=protocol, **phase)
