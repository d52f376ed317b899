"""API.md conventions: token auth, the schema, the reference data endpoints."""

from __future__ import annotations

import pytest

from tests.conftest import SANHE
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_token_login_then_use_token(api, inspector):
    response = api.post(
        "/api/v1/auth/token/",
        {"username": inspector.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/enterprises/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_400_in_error_format(api, inspector):
    response = api.post(
        "/api/v1/auth/token/", {"username": inspector.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] is None
    assert error["code"] == "authorization"


@pytest.mark.django_db
def test_schema_lists_the_resources(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/regions/",
        "/api/v1/industries/",
        "/api/v1/officers/",
        "/api/v1/enterprises/",
        "/api/v1/enterprises/{id}/",
        "/api/v1/auth/token/",
    ):
        assert path in paths, path
    permit = response.json()["components"]["schemas"]["PermitCategoryEnum"]
    assert permit["enum"] == ["key", "simplified", "registration", "none"]


@pytest.mark.django_db
def test_swagger_ui_is_served_without_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_regions_by_code(api_as, reporting_client):
    client = api_as(reporting_client)
    response = client.get("/api/v1/regions/", {"parent": "131000"})
    assert response.json()["count"] == 10
    response = client.get(f"/api/v1/regions/{SANHE}/")
    assert response.json() == {
        "code": SANHE,
        "name": "三河市",
        "level": "county",
        "parent": "131000",
        "updated_at": response.json()["updated_at"],
    }


@pytest.mark.django_db
def test_industries_seeded_to_division_level(api_as, reporting_client):
    client = api_as(reporting_client)
    assert client.get("/api/v1/industries/", {"parent": "C"}).json()["count"] == 31
    assert client.get("/api/v1/industries/26/").json()["name"] == "化学原料和化学制品制造业"
