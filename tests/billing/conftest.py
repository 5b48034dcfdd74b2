import pytest

from tests import factories as f
from tests.factories_billing import standard_prices


@pytest.fixture
def prices(db):
    return standard_prices()


@pytest.fixture
def patient(db):
    return f.PortalPatientFactory(first_name="Cora", last_name="Cost")
