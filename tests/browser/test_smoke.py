"""Each role logs in through the real login form in Chromium and lands on its own home page."""

import pytest

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("who", "path", "heading"),
    [
        ("admin", "/clinic/", "Clinic overview"),
        ("staff", "/today/", "Today"),
        ("prescriber", "/today/", "Today"),
        ("patient_a", "/portal/", "Hello"),
    ],
)
def test_each_role_logs_in_and_sees_its_home_page(page, cast, who, path, heading):
    user = cast.users[who]
    login(page, user.username)
    assert page.url.endswith(path)
    assert heading in page.locator("h1").first.inner_text()
    assert not page.console_errors, page.console_errors  # CSP violations show up here
    shot(page, f"home-{who}")


def test_a_wrong_password_keeps_the_user_on_the_login_page(page, cast):
    login(page, cast.staff.username, "wrong-password")
    assert "/accounts/login/" in page.url
    assert "did not match" in page.content()
