"""Fixtures of the API contract tests: the seeded city and the app's OpenAPI document."""

import pytest

from tests.api import contract


@pytest.fixture
def contract_city(app):
    """A realistic city in the test's clean database (see contract.seed_city)."""
    return contract.seed_city(app)


@pytest.fixture
def openapi_schema(app):
    """The app's OpenAPI document, loaded by schemathesis through the app (WSGI)."""
    return contract.load_schema(app)
