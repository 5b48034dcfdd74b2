"""The synthetic demo clinic. Every name, date and number here is invented.

Areas add their own steps with ``register_demo_step``; ``seed_demo`` runs them in order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from .models import Chair, ClinicSettings, OpeningHours, Patient, RemsStatus, Role, Sex, StaffShift, User

_steps: list[tuple[int, str, Callable]] = []


def register_demo_step(order: int, name: str) -> Callable:
    def decorator(fn: Callable) -> Callable:
        _steps.append((order, name, fn))
        _steps.sort(key=lambda s: s[0])
        return fn

    return decorator


def demo_steps() -> list[tuple[int, str, Callable]]:
    return list(_steps)


@dataclass
class DemoContext:
    password: str
    rng: random.Random
    today: dt.date
    users: dict[str, User] = field(default_factory=dict)
    patients: list[Patient] = field(default_factory=list)
    chairs: list[Chair] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


FIRST = [
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Quinn",
    "Rowan",
    "Harper",
    "Emerson",
    "Skyler",
    "Dakota",
    "Reese",
    "Sage",
    "Finley",
]
LAST = [
    "Thornbury",
    "Calloway",
    "Ashdown",
    "Pennington",
    "Marlowe",
    "Whitlock",
    "Fairweather",
    "Holloway",
    "Kingsley",
    "Lockhart",
    "Merriweather",
    "Ravenscroft",
    "Stanhope",
    "Westbrook",
]


def _user(ctx: DemoContext, username: str, role: str, first: str, last: str, **extra) -> User:
    user = User.objects.filter(username__iexact=username).first() or User(username=username)
    user.role = role
    user.first_name, user.last_name = first, last
    user.email = f"{username}@example.org"
    for key, value in extra.items():
        setattr(user, key, value)
    user.set_password(ctx.password)
    user.save()
    ctx.users[username] = user
    ctx.logins.append((username, role + (" (prescriber)" if user.is_prescriber else "")))
    return user


@register_demo_step(10, "clinic, chairs, staff and patients")
def seed_foundation(ctx: DemoContext) -> None:
    cs = ClinicSettings.load()
    cs.name = "Riverside Ketamine Clinic"
    cs.address = "100 Example Avenue, Suite 200\nSpringfield, ST 00000"
    cs.phone = "+1 555 0100 200"
    cs.email = "frontdesk@example.org"
    cs.rems_setting_id = "DEMO-SET-0001"
    cs.save()
    for weekday in range(5):
        OpeningHours.objects.update_or_create(weekday=weekday, defaults={"opens": dt.time(8), "closes": dt.time(18)})
    OpeningHours.objects.update_or_create(weekday=5, defaults={"opens": dt.time(9), "closes": dt.time(14)})
    # Room 4 has the infusion pumps and no nasal-spray station; the chairs serve both.
    for i, name in enumerate(["Chair 1 (window)", "Chair 2", "Chair 3", "Room 4 (IV)", "Chair 5", "Chair 6"], start=1):
        defaults = {"location": f"Treatment area, bay {i}", "nasal_spray": not name.endswith("(IV)")}
        chair, _ = Chair.objects.get_or_create(name=name, defaults=defaults)
        ctx.chairs.append(chair)

    _user(ctx, "admin", Role.ADMIN, "Alex", "Admin", is_staff=True, is_superuser=True, title="Clinic manager")
    _user(ctx, "nurse", Role.STAFF, "Nora", "Hale", title="RN", phone="+1 555 0100 301")
    _user(ctx, "nurse2", Role.STAFF, "Theo", "Brandt", title="RN", phone="+1 555 0100 302")
    _user(ctx, "prescriber", Role.STAFF, "Priya", "Desai", title="MD", is_prescriber=True, phone="+1 555 0100 303")

    # Rota: both nurses and the prescriber on site on every opening day this week and the next three.
    monday = ctx.today - dt.timedelta(days=ctx.today.weekday())
    for offset in range(-7, 28):
        day = monday + dt.timedelta(days=offset)
        if day.weekday() > 5:
            continue
        for username in ("nurse", "nurse2", "prescriber"):
            StaffShift.objects.get_or_create(date=day, staff=ctx.users[username])

    for i in range(12):
        username = "patient" if i == 0 else f"patient{i + 1}"
        first, last = FIRST[i], LAST[i]
        user = _user(ctx, username, Role.PATIENT, first, last)
        enrolled = i not in (10, 11)  # two patients are not (yet) REMS-enrolled
        dob = dt.date(1955 + (i * 3) % 45, 1 + i % 12, 1 + (i * 7) % 27)
        patient, _ = Patient.objects.update_or_create(
            user=user,
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": dob,
                "sex": [Sex.FEMALE, Sex.MALE, Sex.OTHER][i % 3],
                "phone": f"+1 555 0142 {100 + i}",
                "email": f"{username}@example.org",
                "emergency_contact_name": f"{FIRST[(i + 5) % 14]} {last}",
                "emergency_contact_phone": f"+1 555 0143 {100 + i}",
                "usual_ride_name": f"{FIRST[(i + 3) % 14]} {last}" if i % 4 else "",
                "usual_ride_phone": f"+1 555 0144 {100 + i}" if i % 4 else "",
                "weight_kg": 55 + (i * 4) % 45,
                "rems_status": RemsStatus.ENROLLED if enrolled else RemsStatus.PENDING,
                "rems_enrolled_on": ctx.today - dt.timedelta(days=120 - i) if enrolled else None,
                "rems_patient_id": f"DEMO-PT-{1000 + i}" if enrolled else "",
                "contraindications_screened_on": ctx.today - dt.timedelta(days=90),
                "med_benzodiazepines": i in (2, 7),
                "med_psychostimulants": i == 5,
                "pregnancy_relevant": i % 3 == 0,
            },
        )
        ctx.patients.append(patient)


def run_demo(password: str, seed: int = 20261121) -> DemoContext:
    ctx = DemoContext(password=password, rng=random.Random(seed), today=timezone.localdate())  # noqa: S311
    for _order, _name, step in demo_steps():
        step(ctx)
    return ctx
