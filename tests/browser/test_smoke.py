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


CONTRAST = """() => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = lum(getComputedStyle(document.querySelector("nav.navbar")).backgroundColor);
  return [...document.querySelectorAll("#mainnav .nav-link")].map((a) => {
    const l = lum(getComputedStyle(a).color);
    return [a.textContent.trim(), (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05)];
  });
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_the_menu_links_are_readable_on_the_blue_bar_open_on_a_phone_and_on_a_desktop(page, cast, width):
    page.set_viewport_size({"width": width, "height": 844})
    login(page, cast.staff.username)
    if page.locator(".navbar-toggler").is_visible():
        page.click(".navbar-toggler")
        page.locator("#mainnav.show").wait_for()
    links = page.evaluate(CONTRAST)
    assert len(links) >= 3
    assert all(ratio >= 4.5 for _name, ratio in links), links
