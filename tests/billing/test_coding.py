"""What claims need: NPIs with their check digit, ICD-10-CM diagnoses, the billing provider and the
E/M code the prescriber chooses per visit (instead of one from the price)."""


import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions.billing import coding
from sessions.billing import identifiers as ids
from sessions.billing import services as billing
from sessions.models import BillingProvider, CourseDiagnoses, PayerKind, PrescriberNpi, SessionStatus, VisitCoding
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session

pytestmark = pytest.mark.django_db

VALID_NPI = "1234567893"  # the CMS worked example


def test_an_npi_with_its_luhn_check_digit_over_the_80840_prefix_is_valid():
    assert ids.npi_is_valid(VALID_NPI)
    assert ids.clean_npi(" 1234567893 ") == VALID_NPI


def test_an_npi_with_a_wrong_check_digit_is_refused_naming_the_check_digit():
    with pytest.raises(ValidationError, match="wrong check digit"):
        ids.clean_npi("1234567890")


def test_an_npi_that_is_not_ten_digits_is_refused():
    with pytest.raises(ValidationError, match="10 digits"):
        ids.clean_npi("123456789")


@pytest.mark.parametrize("raw,code", [("f33.2", "F33.2"), ("F332", "F33.2"), ("F32.A", "F32.A"), ("R45851", "R45.851")])
def test_icd10cm_codes_are_stored_upper_case_with_their_dot(raw, code):
    assert ids.clean_icd10cm(raw) == code


@pytest.mark.parametrize("bad", ["33.2", "F3", "F33.23456", "FF3.2", "F33-2"])
def test_a_code_in_the_wrong_format_is_refused_naming_it(bad):
    with pytest.raises(ValidationError, match="not an ICD-10-CM code"):
        ids.clean_icd10cm(bad)


def test_diagnoses_keep_their_order_and_drop_duplicates():
    assert ids.clean_diagnoses("F33.2, R45.851 f332") == ["F33.2", "R45.851"]


def test_a_course_needs_at_least_one_diagnosis_and_at_most_twelve():
    with pytest.raises(ValidationError, match="at least one"):
        ids.clean_diagnoses(" , ")
    with pytest.raises(ValidationError, match="at most 12"):
        ids.clean_diagnoses([f"F33.{n}" for n in range(10)] + ["F32.0", "F32.1", "F32.2"])


def test_a_tax_id_is_nine_digits_and_a_billing_zip_needs_the_plus_four():
    assert ids.clean_tax_id("123456789") == "12-3456789"
    assert ids.clean_zip_plus4("100012345") == "10001-2345"
    with pytest.raises(ValidationError, match="ZIP\\+4"):
        ids.clean_zip_plus4("10001")


def test_the_billing_provider_defaults_to_place_of_service_11(cast):
    assert BillingProvider.load().place_of_service == "11"


def test_a_billing_provider_npi_with_a_wrong_check_digit_names_the_npi_field_and_saves_nothing(cast):
    with pytest.raises(ValidationError) as exc:
        coding.billing_provider_save(by=cast.admin, name="Calm Clinic", npi="1234567890", tax_id="12-3456789")
    assert "npi" in exc.value.message_dict
    assert BillingProvider.load().name == ""


def test_only_a_prescriber_gets_a_prescriber_npi(cast):
    with pytest.raises(ValidationError, match="not a prescriber"):
        coding.prescriber_npi_save(by=cast.admin, prescriber=cast.staff, npi=VALID_NPI)
    coding.prescriber_npi_save(by=cast.admin, prescriber=cast.prescriber, npi=VALID_NPI)
    assert PrescriberNpi.objects.get(user=cast.prescriber).npi == VALID_NPI


def test_a_nurse_cannot_record_a_courses_diagnoses(cast):
    course = f.CourseFactory(patient=cast.patient_a)
    with pytest.raises(ValidationError, match="prescriber or an admin"):
        coding.course_diagnoses_save(by=cast.staff, course=course, codes="F33.2")
    assert not CourseDiagnoses.objects.exists()


def test_the_prescriber_records_a_courses_diagnoses_primary_first(cast):
    course = f.CourseFactory(patient=cast.patient_a)
    row = coding.course_diagnoses_save(by=cast.prescriber, course=course, codes="F33.2, R45.851")
    assert row.code_list == ["F33.2", "R45.851"]


def test_only_a_prescriber_chooses_the_visits_em_code(cast):
    session = discharged_session(patient=cast.patient_a, given=56)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        coding.visit_em_code_choose(by=cast.admin, session=session, em_code="99214")


def test_an_em_code_outside_99212_to_99215_is_refused(cast):
    session = discharged_session(patient=cast.patient_a, given=56)
    with pytest.raises(ValidationError) as exc:
        coding.visit_em_code_choose(by=cast.prescriber, session=session, em_code="99211")
    assert "em_code" in exc.value.message_dict


def test_a_visit_not_yet_taken_place_gets_no_em_code(cast):
    session = f.TreatmentSessionFactory(patient=cast.patient_a, status=SessionStatus.SCHEDULED)
    with pytest.raises(ValidationError, match="took place"):
        coding.visit_em_code_choose(by=cast.prescriber, session=session, em_code="99214")


def test_the_charge_bills_the_em_code_the_prescriber_chose_not_one_from_the_price(cast, prices):
    CoverageFactory(patient=cast.patient_a, payer=PayerFactory(kind=PayerKind.COMMERCIAL))
    session = discharged_session(patient=cast.patient_a, given=56)
    coding.visit_em_code_choose(by=cast.prescriber, session=session, em_code="99215")
    charge = billing.charge_session(session=session)
    assert [line.code for line in charge.lines.all()] == ["J0013", "99215"]
    assert "E/M" not in charge.note


def test_a_charge_made_before_the_prescriber_chose_bills_99213_and_its_claim_waits_for_the_prescriber(cast, prices):
    from sessions.billing import claims
    from sessions.billing.claim_check import work_out
    from tests.factories_billing import claimable_session

    session = claimable_session(patient=cast.patient_a, given=56, em_code=None)
    assert [line.code for line in session.charge.lines.all()] == ["J0013", "99213"]
    assert "99213" not in session.charge.note  # the note shows on the patient's portal: no codes there
    (claim,) = claims.claims_build(by=cast.admin)
    assert "em_code" in [p.field for p in work_out(claim).problems]


# ---- pages ------------------------------------------------------------------------------------


def test_the_billing_provider_page_shows_a_wrong_check_digit_beside_the_npi(admin_client_):
    data = {"name": "Calm Clinic", "npi": "1234567890", "tax_id": "123456789", "state": "NY", "place_of_service": "11"}
    response = admin_client_.post(reverse("billing_provider"), data)
    assert response.status_code == 400
    assert "wrong check digit" in response.text
    assert BillingProvider.load().npi == ""


def test_an_admin_saves_the_billing_provider(admin_client_):
    data = {
        "name": "Calm Clinic",
        "npi": VALID_NPI,
        "tax_id": "123456789",
        "address_line": "1 Main St",
        "city": "Albany",
        "state": "ny",
        "zip_code": "122071234",
        "place_of_service": "11",
    }
    response = admin_client_.post(reverse("billing_provider"), data)
    assert response.status_code == 302
    provider = BillingProvider.load()
    assert (provider.tax_id, provider.state, provider.zip_code, provider.missing) == (
        "12-3456789",
        "NY",
        "12207-1234",
        [],
    )


def test_the_prescriber_saves_diagnoses_and_the_course_page_shows_them(cast, prescriber_client):
    course = f.CourseFactory(patient=cast.patient_a, prescriber=cast.prescriber)
    response = prescriber_client.post(reverse("billing_course_diagnoses", args=[course.pk]), {"codes": "f33.2 r45.851"})
    assert response.status_code == 302
    page = prescriber_client.get(course.get_absolute_url())
    assert page.status_code == 200
    assert "F33.2" in page.text and "R45.851" in page.text


def test_a_bad_diagnosis_is_named_beside_the_field_and_nothing_is_saved(cast, prescriber_client):
    course = f.CourseFactory(patient=cast.patient_a, prescriber=cast.prescriber)
    response = prescriber_client.post(reverse("billing_course_diagnoses", args=[course.pk]), {"codes": "F33.2, XYZ"})
    assert response.status_code == 400
    assert "“XYZ” is not an ICD-10-CM code" in response.text
    assert not CourseDiagnoses.objects.exists()


def test_the_prescriber_chooses_the_em_code_on_the_visit_and_the_booking_page_shows_it(cast, prescriber_client):
    session = discharged_session(patient=cast.patient_a, given=56)
    response = prescriber_client.post(reverse("billing_visit_coding", args=[session.pk]), {"em_code": "99214"})
    assert response.status_code == 302
    assert VisitCoding.objects.get(session=session).em_code == "99214"
    page = prescriber_client.get(reverse("booking_detail", args=[session.pk]))
    assert page.status_code == 200
    assert "99214" in page.text


def test_active_clinician_minutes_out_of_range_are_refused_beside_the_field(cast, prescriber_client):
    session = discharged_session(patient=cast.patient_a, given=56)
    url = reverse("billing_visit_coding", args=[session.pk])
    response = prescriber_client.post(url, {"em_code": "99215", "clinician_minutes": "0"})
    assert response.status_code == 400
    assert 'id="error_1_id_clinician_minutes"' in response.text
    assert "Enter the active clinician minutes" in response.text and not VisitCoding.objects.exists()
    assert prescriber_client.post(url, {"em_code": "99215", "clinician_minutes": "55"}).status_code == 302
    assert VisitCoding.objects.get(session=session).clinician_minutes == 55
    page = prescriber_client.get(reverse("booking_detail", args=[session.pk]))
    assert page.status_code == 200 and "55 active clinician minutes" in page.text
