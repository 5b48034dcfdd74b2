"""The rota page: staff shifts by week."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_the_rota_given_a_far_off_week_shows_this_week_with_a_message(cast, start):
    response = client_for(cast.admin).get(f"/manage/rota/?start={start}")
    assert response.status_code == 200
    assert "too far away" in response.content.decode()
