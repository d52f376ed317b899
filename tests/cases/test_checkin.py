"""扫码入企: the enterprise's signed code, the scan that checks an officer in,
the phone page behind the code and the printable code page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from cases import checkin
from cases import inspection_services as services
from cases.models import CheckIn, CheckInCode
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.cases.inspection_helpers import request, snapshot, today
from tests.conftest import SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/inspections/"


@pytest.fixture
def officers(inspector, colleague):
    return [inspector.officer, colleague.officer]


@pytest.fixture
def approved(inspector, approver, officers, sanhe_enterprise):
    """Today's approved inspection of the 三河 enterprise."""
    inspection = request(inspector, sanhe_enterprise, officers)
    return services.inspection_approve(inspection=inspection, actor=approver)


@pytest.fixture
def token(sanhe_enterprise):
    return checkin.checkin_token(sanhe_enterprise)


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def refused_scan(code: str, *, error=DomainError, **kwargs):
    before = snapshot()
    with pytest.raises(error) as excinfo:
        services.inspection_check_in(**kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    assert snapshot() == before
    return excinfo.value


# --- the code -------------------------------------------------------------------------------


class TestCode:
    def test_same_code_until_reissued(self, sanhe_enterprise, approver):
        first = checkin.checkin_token(sanhe_enterprise)
        assert checkin.checkin_token(sanhe_enterprise) == first
        assert checkin.checkin_code_verify(first) == sanhe_enterprise
        code = checkin.checkin_code_reissue(
            enterprise=sanhe_enterprise, actor=approver, reason="原二维码被撕毁"
        )
        assert code.version == 2
        second = checkin.checkin_token(sanhe_enterprise)
        assert second != first
        assert checkin.checkin_code_verify(second) == sanhe_enterprise
        with pytest.raises(checkin.CheckInCodeInvalid) as excinfo:
            checkin.checkin_code_verify(first)
        assert excinfo.value.code == "checkin_code_revoked"

    def test_reissue_needs_an_approver_a_reason_and_the_region(
        self, sanhe_enterprise, inspector, approver, other_inspector
    ):
        with pytest.raises(Forbidden):
            checkin.checkin_code_reissue(enterprise=sanhe_enterprise, actor=inspector, reason="x")
        with pytest.raises(DomainError) as excinfo:
            checkin.checkin_code_reissue(enterprise=sanhe_enterprise, actor=approver, reason="")
        assert excinfo.value.field == "reason"
        with pytest.raises(DomainError) as excinfo:
            checkin.checkin_code_reissue(
                enterprise=sanhe_enterprise, actor=other_inspector, reason="x"
            )
        assert excinfo.value.code == "region_out_of_scope"

    @pytest.mark.parametrize(
        "forge",
        [
            lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # signature altered
            lambda t: signing.TimestampSigner(salt=checkin.SALT, key="x" * 50).sign_object(
                signing.TimestampSigner(salt=checkin.SALT).unsign_object(t)
            ),  # another key
            lambda t: signing.TimestampSigner(salt="another.salt").sign_object(
                signing.TimestampSigner(salt=checkin.SALT).unsign_object(t)
            ),  # the project's key, another salt
            lambda t: "not-a-token",
            lambda t: "",
        ],
        ids=["altered", "other-key", "other-salt", "garbage", "empty"],
    )
    def test_forged_codes_are_refused(self, token, forge):
        with pytest.raises(checkin.CheckInCodeInvalid) as excinfo:
            checkin.checkin_code_verify(forge(token))
        assert excinfo.value.code == "checkin_code_invalid"
        assert excinfo.value.status == 400
        assert "伪造" in excinfo.value.message or "无法识别" in excinfo.value.message

    def test_another_enterprise_in_the_payload_is_forged(self, token, sanhe_enterprise):
        other = EnterpriseFactory(region_id=SANHE)
        value = token.rsplit(":", 1)[0]
        _payload, stamp = value.rsplit(":", 1)
        swapped = signing.b64_encode(f'{{"e":{other.pk},"v":1}}'.encode()).decode()
        with pytest.raises(checkin.CheckInCodeInvalid) as excinfo:
            checkin.checkin_code_verify(f"{swapped}:{stamp}:{token.rsplit(':', 1)[1]}")
        assert excinfo.value.code == "checkin_code_invalid"

    def test_expires_after_the_configured_age(self, sanhe_enterprise, settings):
        code = checkin.checkin_code_current(sanhe_enterprise)
        CheckInCode.objects.filter(pk=code.pk).update(
            issued_at=timezone.now() - timedelta(days=367)
        )
        old = checkin.checkin_token(sanhe_enterprise)
        with pytest.raises(checkin.CheckInCodeInvalid) as excinfo:
            checkin.checkin_code_verify(old)
        assert excinfo.value.code == "checkin_code_expired"
        assert "过期" in excinfo.value.message
        settings.ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS = 400
        assert checkin.checkin_code_verify(old) == sanhe_enterprise

    def test_qr_svg_carries_the_url(self, sanhe_enterprise):
        svg = checkin.checkin_qr_svg(sanhe_enterprise)
        assert svg.startswith("<svg") and "path" in svg
        assert checkin.checkin_url(sanhe_enterprise).startswith("/checkin/")
        document = checkin.checkin_qr_svg(sanhe_enterprise, inline=False)
        assert document.startswith("<?xml") and "xmlns" in document


# --- the scan ------------------------------------------------------------------------------


class TestScan:
    def test_valid_scan_records_time_officer_gps_and_starts(self, approved, token, inspector):
        check_in = services.inspection_check_in(
            token=token, officer_user=inspector, latitude="39.982345", longitude=116.833456
        )
        assert check_in.officer == inspector.officer
        assert check_in.inspection == approved
        assert str(check_in.latitude) == "39.982345"
        assert abs(check_in.at - timezone.now()) < timedelta(minutes=1)
        approved.refresh_from_db()
        assert approved.status == "in_progress"
        assert approved.started_at == check_in.at
        assert approved.transitions.order_by("-id").first().label == "扫码入企，开始检查"

    def test_second_officer_scans_too_without_gps(self, approved, token, inspector, colleague):
        services.inspection_check_in(token=token, officer_user=inspector)
        check_in = services.inspection_check_in(token=token, officer_user=colleague)
        assert check_in.latitude is None
        assert approved.check_ins.count() == 2

    def test_forged_code_is_refused_and_nothing_written(self, approved, token, inspector):
        error = refused_scan(
            "checkin_code_invalid",
            error=checkin.CheckInCodeInvalid,
            token=token[:-2] + "xx",
            officer_user=inspector,
        )
        assert error.status == 400

    def test_expired_code_is_refused(self, approved, sanhe_enterprise, inspector):
        code = checkin.checkin_code_current(sanhe_enterprise)
        CheckInCode.objects.filter(pk=code.pk).update(
            issued_at=timezone.now() - timedelta(days=400)
        )
        refused_scan(
            "checkin_code_expired",
            error=checkin.CheckInCodeInvalid,
            token=checkin.checkin_token(sanhe_enterprise),
            officer_user=inspector,
        )

    def test_code_of_another_enterprise_is_refused(self, approved, inspector):
        other = EnterpriseFactory(name="三河市另一家企业", region_id=SANHE)
        other_token = checkin.checkin_token(other)
        error = refused_scan(
            "checkin_wrong_enterprise",
            token=other_token,
            officer_user=inspector,
            inspection=approved,
        )
        assert "三河市另一家企业" in error.message
        # Without naming the inspection: the officer has none at that enterprise.
        refused_scan("no_inspection", token=other_token, officer_user=inspector)

    def test_only_the_inspections_officers(self, approved, token):
        stranger = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE]).user
        refused_scan(
            "not_an_inspection_officer",
            error=Forbidden,
            token=token,
            officer_user=stranger,
            inspection=approved,
        )
        refused_scan("no_inspection", token=token, officer_user=stranger)

    def test_not_before_approval_unless_emergency(
        self, inspector, officers, sanhe_enterprise, token
    ):
        waiting = request(inspector, sanhe_enterprise, officers)
        refused_scan(
            "checkin_not_allowed",
            error=ConflictError,
            token=token,
            officer_user=inspector,
            inspection=waiting,
        )
        services.inspection_cancel(inspection=waiting, actor=inspector, reason="改为紧急检查")
        urgent = request(
            inspector,
            sanhe_enterprise,
            officers,
            emergency=True,
            emergency_reason="突发环境事件",
        )
        services.inspection_check_in(token=token, officer_user=inspector)
        urgent.refresh_from_db()
        assert urgent.status == "in_progress"
        assert services.late_approval_pending(urgent)

    def test_only_on_the_inspection_day(self, inspector, officers, sanhe_enterprise, approver):
        past = request(
            inspector, sanhe_enterprise, officers, inspected_on=today() - timedelta(days=2)
        )
        services.inspection_approve(inspection=past, actor=approver)
        refused_scan(
            "wrong_day",
            token=checkin.checkin_token(sanhe_enterprise),
            officer_user=inspector,
            inspection=past,
        )

    def test_bad_coordinates(self, approved, token, inspector):
        refused_scan(
            "latitude_out_of_range",
            token=token,
            officer_user=inspector,
            latitude=95,
            longitude=116,
        )
        refused_scan("incomplete_coordinates", token=token, officer_user=inspector, latitude=39)


# --- through the API ---------------------------------------------------------------------------


class TestApi:
    def test_check_in(self, api_as, approved, token, inspector):
        response = api_as(inspector).post(
            f"{URL}{approved.pk}/check-in/",
            {"token": token, "latitude": "39.98", "longitude": "116.83"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["officer"] == inspector.officer.pk
        detail = api_as(inspector).get(f"{URL}{approved.pk}/").json()
        assert detail["status"] == "in_progress"
        assert len(detail["check_ins"]) == 1

    def test_forged_token_is_400_in_the_error_format(self, api_as, approved, token, inspector):
        response = api_as(inspector).post(
            f"{URL}{approved.pk}/check-in/", {"token": token + "x"}, format="json"
        )
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["code"] == "checkin_code_invalid"
        assert "伪造" in error["message"]
        assert not CheckIn.objects.exists()

    def test_other_region_is_404(self, api_as, approved, token, other_inspector):
        response = api_as(other_inspector).post(
            f"{URL}{approved.pk}/check-in/", {"token": token}, format="json"
        )
        assert response.status_code == 404


# --- the pages ---------------------------------------------------------------------------------


class TestPages:
    def test_phone_page_lists_todays_inspection_and_checks_in(
        self, client_as, approved, token, inspector
    ):
        client = client_as(inspector)
        url = f"/checkin/{token}/"
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert approved.enterprise.name in html
        assert 'name="viewport"' in html
        assert "navigator.geolocation" in html
        assert "http://" not in html.replace("http://testserver", "")
        response = client.post(
            url, {"inspection": approved.pk, "latitude": "39.1", "longitude": "116.2"}
        )
        assert response.status_code == 200
        assert "已扫码入企" in response.content.decode()
        check_in = CheckIn.objects.get()
        assert (check_in.officer, str(check_in.latitude)) == (inspector.officer, "39.100000")

    def test_forged_code_page_is_a_chinese_400(self, client_as, inspector):
        response = client_as(inspector).get("/checkin/forged:token:value/")
        assert response.status_code == 400
        html = response.content.decode()
        assert "二维码无效" in html and "签名校验失败" in html

    def test_expired_code_page(self, client_as, inspector, sanhe_enterprise, settings):
        code = checkin.checkin_code_current(sanhe_enterprise)
        CheckInCode.objects.filter(pk=code.pk).update(issued_at=timezone.now() - timedelta(days=30))
        settings.ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS = 7
        token = checkin.checkin_token(sanhe_enterprise)
        response = client_as(inspector).get(f"/checkin/{token}/")
        assert response.status_code == 400
        assert "已过期" in response.content.decode()

    def test_login_required(self, token):
        response = Client().get(f"/checkin/{token}/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_no_inspection_today(self, client_as, token, inspector):
        page = client_as(inspector).get(f"/checkin/{token}/")
        assert "没有该企业已批准的现场检查任务" in page.content.decode()

    def test_printable_qr_page_in_scope(
        self, client_as, inspector, other_inspector, sanhe_enterprise
    ):
        url = f"/enterprises/{sanhe_enterprise.pk}/qr/"
        page = client_as(inspector).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and sanhe_enterprise.name in html
        assert "http://testserver/checkin/" in html
        assert client_as(other_inspector).get(url).status_code == 404
        svg = client_as(inspector).get(f"/enterprises/{sanhe_enterprise.pk}/qr.svg")
        assert svg["Content-Type"] == "image/svg+xml"
        assert Client().get(url).status_code == 302

    def test_approver_reissues_from_the_qr_page(
        self, client_as, inspector, approver, sanhe_enterprise
    ):
        old = checkin.checkin_token(sanhe_enterprise)
        url = f"/enterprises/{sanhe_enterprise.pk}/qr/"
        assert client_as(inspector).post(url, {"reason": "x"}).status_code == 403
        assert client_as(approver).post(url, {"reason": ""}).status_code == 400
        assert client_as(approver).post(url, {"reason": "二维码被复制"}).status_code == 302
        with pytest.raises(checkin.CheckInCodeInvalid):
            checkin.checkin_code_verify(old)
