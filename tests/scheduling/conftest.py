import pytest
import time_machine

from tests.factories_scheduling import NOW, clinic


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chairs(db, frozen):
    return clinic(2)
