"""The calendar pages read chairs, protocols and the week's bookings once: the same few queries for 5 or 60
sessions and 4 or 20 chairs, the filter and free-slot forms included (they choose among the loaded rows)."""

import datetime as dt

import pytest

from clinic.models import Chair
from sessions.models import Protocol, RideStatus
from sessions.scheduling.calendars import calendar_choices
from sessions.scheduling.forms import CalendarFilterForm, FreeSlotForm
from tests import factories as f
from tests.conftest import client_for
from tests.factories_billing import AuthorisationFactory
from tests.factories_scheduling import MONDAY, at, clinic
from tests.scheduling.test_pages import count_queries

pytestmark = pytest.mark.django_db

# Three for every signed-in page (clinic settings, login session, user), then chairs, phases with their
# protocols, the week's bookings, and opening hours, closures and the rota together (one query).
CALENDAR_QUERIES = 7
# A prior authorisation among the patients shown adds its two (the authorisations, the sessions they count).
WITH_AUTHORISATION = CALENDAR_QUERIES + 2


def book(chairs, count, *, first=0, hour=8, patient=None):
    """``count`` visits of an hour from ``hour`` on, over Monday to Friday, round the chairs, none overlapping."""
    made = []
    for i in range(first, first + count):
        chair = chairs[i % len(chairs)]
        day = MONDAY + dt.timedelta(days=(i // len(chairs)) % 5)
        start = at(day, hour + i // (len(chairs) * 5))
        course = f.CourseFactory(patient=patient) if patient and i == first else f.CourseFactory()
        s = f.TreatmentSessionFactory(
            course=course, chair=chair, planned_start=start, planned_end=start + dt.timedelta(minutes=60)
        )
        f.RideFactory(session=s, status=RideStatus.CONFIRMED if i % 2 else RideStatus.PLANNED)
        made.append(s)
    return made


def grow(chairs, booked):
    """From 4 chairs and 5 sessions to 20 chairs and 60 sessions."""
    chairs += [f.ChairFactory(name=f"Chair {i}") for i in range(5, 21)]
    booked += book(chairs, 55, first=5, hour=11)
    assert Chair.objects.count() == 20 and len(booked) == 60


PAGES = {
    "week": lambda chairs, protocol: f"/calendar/?start={MONDAY}",
    "day": lambda chairs, protocol: f"/calendar/day/?date={MONDAY}",
    "week filtered": lambda chairs, protocol: (
        f"/calendar/?start={MONDAY}&chair={chairs[0].pk}&protocol={protocol.pk}&patient=Ada"
    ),
    "day filtered": lambda chairs, protocol: (
        f"/calendar/day/?date={MONDAY}&chair={chairs[0].pk}&protocol={protocol.pk}&patient=Ada"
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_calendar_page_runs_the_same_few_queries_for_5_or_60_sessions_and_4_or_20_chairs(cast, frozen, page):
    chairs = clinic(4)
    booked = book(chairs, 5, patient=cast.patient_a)
    url = PAGES[page](chairs, booked[0].course.protocol)
    client = client_for(cast.admin)
    few = count_queries(client, url)
    grow(chairs, booked)
    many = count_queries(client, url)
    assert few == many
    assert many <= CALENDAR_QUERIES + (1 if "filtered" in page else 0)  # + the read log of the patient found


@pytest.mark.parametrize("page", ["week", "day"])
def test_a_calendar_with_prior_authorisations_still_runs_a_fixed_number_of_queries(cast, frozen, page):
    chairs = clinic(4)
    booked = book(chairs, 5)
    AuthorisationFactory(patient=booked[0].patient, sessions_authorised=1)
    url = PAGES[page](chairs, None)
    client = client_for(cast.admin)
    few = count_queries(client, url)
    grow(chairs, booked)
    for s in booked[5::10]:
        AuthorisationFactory(patient=s.patient, sessions_authorised=1)
    many = count_queries(client, url)
    assert few == many == WITH_AUTHORISATION


def test_moving_a_booking_on_the_day_calendar_runs_the_same_queries_for_4_or_20_chairs(cast, frozen):
    chairs = clinic(4)
    booked = book(chairs, 5)
    url = f"/calendar/day/?date={MONDAY}&move={booked[0].pk}"
    client = client_for(cast.admin)
    few = count_queries(client, url)
    grow(chairs, booked)
    many = count_queries(client, url)
    assert few == many <= CALENDAR_QUERIES + 2  # + the booking being moved and the read log of its patient


def test_the_free_slot_search_runs_the_same_queries_for_4_or_20_chairs(cast, frozen):
    chairs = clinic(4)
    booked = book(chairs, 5)
    url = f"/calendar/free/?protocol={booked[0].course.protocol.pk}&after={MONDAY}"
    client = client_for(cast.admin)
    few = count_queries(client, url)
    grow(chairs, booked)
    many = count_queries(client, url)
    assert few == many <= CALENDAR_QUERIES
    assert "Plan a course here" in client.get(url).content.decode()


def test_the_filter_and_free_slot_forms_render_and_check_their_choices_without_a_query(
    frozen, django_assert_num_queries
):
    chairs = clinic(20)
    choices = calendar_choices()
    protocol = choices.active_protocols[0]
    with django_assert_num_queries(0):
        form = CalendarFilterForm({"chair": str(chairs[11].pk), "protocol": str(protocol.pk)}, choices=choices)
        html = str(form["chair"]) + str(form["protocol"]) + str(FreeSlotForm(choices=choices).as_div())
        assert form.is_valid()
    assert form.cleaned_data["chair"] == chairs[11] and form.cleaned_data["protocol"] == protocol
    assert html.count(">Chair ") == 20 + 20  # every chair in the filter, every active one in the free-slot form
    assert "selected" in str(form["chair"])


def test_the_calendar_filter_refuses_a_chair_that_does_not_exist(frozen):
    clinic(2)
    form = CalendarFilterForm({"chair": "999999"})
    assert not form.is_valid() and "chair" in form.errors


def test_the_calendar_lists_chairs_in_natural_order_and_only_protocols_that_can_be_booked(frozen):
    clinic(11)
    Protocol.objects.create(slug="draft", name="A draft without phases", treatment="esketamine")
    choices = calendar_choices()
    assert [c.name for c in choices.chairs][:3] == ["Chair 1", "Chair 2", "Chair 3"]
    assert choices.chairs[-1].name == "Chair 11"
    assert "A draft without phases" not in [p.name for p in choices.protocols]
    assert choices.protocols and all(choices.first_phase(p) is not None for p in choices.protocols)


def test_an_inactive_chair_is_a_filter_choice_but_not_a_free_slot_choice(frozen):
    chairs = clinic(3)
    Chair.objects.filter(pk=chairs[2].pk).update(is_active=False)
    choices = calendar_choices()
    filter_form, free_form = CalendarFilterForm(choices=choices), FreeSlotForm(choices=choices)
    assert "Chair 3" in str(filter_form["chair"]) and "Chair 3" not in str(free_form["chair"])
