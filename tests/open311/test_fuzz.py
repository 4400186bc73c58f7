"""Hostile query strings and forms never make the Open311 endpoint fail with a 5xx."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE = "/open311/v2"
FUZZ = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
values = st.one_of(st.text(max_size=40), st.sampled_from([
    "2015-06-01", "2015-06-01T00:00:00Z", "open,closed", "1,2,3", "²", "9" * 30, "",
    "2015-02-30", "-1", "open,,", "0", "a\x00b", "\x00"]))


def test_path_parameters_with_control_characters_are_refused(client, open311_city):
    for path in ("/services/a%00b.json", "/tokens/%00.xml", "/requests/%00.json"):
        assert client.get(BASE + path).status_code in (400, 404)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["start_date", "end_date", "status",
                                                "service_code", "service_request_id",
                                                "jurisdiction_id"]), values, max_size=5),
       fmt=st.sampled_from(["json", "xml"]),
       path=st.sampled_from(["requests", "servicerequestupdates"]))
def test_searches_answer_200_or_a_spec_error(client, open311_city, params, fmt, path):
    response = client.get(f"{BASE}/{path}.{fmt}", query_string=params)
    assert response.status_code in (200, 400, 404), (params, response.data)


@FUZZ
@given(form=st.dictionaries(st.sampled_from([
    "service_code", "lat", "long", "description", "address_string", "address_id", "email",
    "first_name", "last_name", "phone", "media_url", "attribute[light_state]",
    "attribute[pole_number]", "attribute[x][]"]), values, max_size=8))
def test_posts_answer_201_or_a_spec_error(app, client, open311_city, api_key, form):
    app.config["OPEN311_POST_RATE_LIMIT"] = "10000 per minute"  # not what this test is about
    response = client.post(f"{BASE}/requests.json", data={**form, "api_key": api_key})
    assert response.status_code in (201, 400, 404), (form, response.data)
