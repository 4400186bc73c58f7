"""The OpenAPI document (/api/openapi.json) is complete and true, checked by schemathesis.

Every operation of the document is fuzzed in-process on both engines, with positive and
negative data and every identity (anonymous, a bad token, each role), against a seeded city;
every response must pass contract.CHECKS: no 5xx, a status code the operation documents
itself, a body only where one is documented, a documented content type, a body valid against
the documented schema and the documented headers. The run is bounded and deterministic
(hypothesis seed 0, no example database); bench/openapi_fuzz.py is the long run.
"""

import pytest

from tests.api import contract

# Examples per operation and generation mode (positive, negative). With about 25 operations
# that is about 1,000 cases per engine.
MAX_EXAMPLES = 25
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def documented_operations(document: dict) -> dict[str, dict]:
    """Return every operation of a raw OpenAPI document by label ("GET /path")."""
    return {f"{method.upper()} {path}": operation
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in HTTP_METHODS}


def takes_nothing(document: dict, label: str) -> bool:
    """Return True when an operation has no parameter and no body (nothing to make invalid)."""
    method, path = label.split(" ", 1)
    item = document["paths"][path]
    operation = item[method.lower()]
    return not (item.get("parameters") or operation.get("parameters")
                or operation.get("requestBody"))


def test_every_operation_keeps_its_documented_contract(app, contract_city, openapi_schema):
    outcome = contract.run_contract(openapi_schema, contract_city, max_examples=MAX_EXAMPLES)
    document = openapi_schema.raw_schema
    operations = documented_operations(document)

    # Nothing is skipped: every operation of the document was called, so a new endpoint is
    # checked as soon as it is registered.
    assert outcome.operations == set(operations)
    # Negative data is generated for every operation that takes any input; the others have
    # no parameter and no body, so there is nothing to make invalid.
    assert outcome.negative_skipped == {label for label in operations
                                        if takes_nothing(document, label)}
    assert not outcome.failure_counts, outcome.summary()
    # Not only the error paths: every operation answered a documented success at least once,
    # so its success schema was checked too.
    succeeded = {label for label, status in outcome.statuses if 200 <= status < 300}
    assert succeeded == set(operations), sorted(set(operations) - succeeded)


@pytest.mark.engines("spatialite")
def test_every_error_is_documented_with_the_shared_error_body(app):
    document = app.test_client().get(contract.OPENAPI_PATH).get_json()
    undocumented = []
    for label, operation in documented_operations(document).items():
        for status, response in operation["responses"].items():
            if status == "default" or int(status) < 400:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": "#/components/schemas/ApiError"}:
                undocumented.append(f"{label} {status}")
    assert undocumented == []


@pytest.mark.engines("spatialite")
def test_every_operation_documents_the_401_of_a_bad_token(app):
    # Authorization: Bearer <not a token> is a 401 on every endpoint (docs/api.md).
    document = app.test_client().get(contract.OPENAPI_PATH).get_json()
    missing = [label for label, operation in documented_operations(document).items()
               if "WWW-Authenticate" not in operation["responses"].get("401", {})
               .get("headers", {})]
    assert missing == []
