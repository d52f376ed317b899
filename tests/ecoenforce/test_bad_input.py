"""Bad input that every list shares answers 400, never 500 (API.md)."""

from __future__ import annotations

import pytest

LISTS = [
    "/api/v1/cases/",
    "/api/v1/inspection-plans/",
    "/api/v1/policy-cards/",
    "/api/v1/symposiums/",
    "/api/v1/violation-types/",
]


@pytest.mark.django_db
class TestUpdatedSince:
    # PostgreSQL refuses an offset beyond ±15:59 with an error, not an empty answer.
    @pytest.mark.parametrize("url", LISTS)
    @pytest.mark.parametrize("since", ["2024-07-30T06:14:43-20:14", "0292-10-11T09:11:40+14:01"])
    def test_an_offset_no_place_has_is_400(self, api_as, administrator, url, since):
        response = api_as(administrator).get(url, {"updated_since": since})
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "updated_since",
                "code": "invalid_offset",
                "message": "时区偏移超出范围（-14:00 至 +14:00）",
            }
        ]

    @pytest.mark.parametrize("since", ["2024-07-30T06:14:43-12:00", "2024-07-30T06:14:43+14:00"])
    def test_the_farthest_real_offsets_are_taken(self, api_as, administrator, since):
        response = api_as(administrator).get(LISTS[0], {"updated_since": since})
        assert response.status_code == 200
