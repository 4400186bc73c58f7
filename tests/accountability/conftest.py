"""Fixtures of the accountability tests: the February scenario (see scenario.py)."""

import pytest

from tests.accountability.scenario import Scenario, build_scenario


@pytest.fixture
def scenario(app, lifecycle_city, create_category, create_account) -> Scenario:
    """The February 2025 reports of Scenario, stored through the real services."""
    return build_scenario(app, lifecycle_city, create_category, create_account)
