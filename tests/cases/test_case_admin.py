"""The penalty-case admin: the scoped list, the clue form, the case page and its steps."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from cases import workflow
from cases.models import CaseTransition, Evidence, PenaltyCase, SpecialMeasure
from cases.services import evidence_attach
from tests.conftest import BAZHOU, SANHE
from tests.factories import (
    MILD_FACTORS,
    VIOLATION_MAJOR,
    VIOLATION_MINOR,
    EnterpriseFactory,
    OfficerFactory,
    PenaltyCaseFactory,
    case_walk,
)

CHANGELIST = "/admin/cases/penaltycase/"
ADD = f"{CHANGELIST}add/"
AUTOCOMPLETE = "/admin/autocomplete/"


def page_url(case) -> str:
    return f"{CHANGELIST}{case.pk}/change/"


def step_url(case, to: str) -> str:
    return f"{CHANGELIST}{case.pk}/step/{to}/"


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def fresh_clue(make_case):
    """A clue found two days ago: its filing deadline (15 days) is still running."""
    return make_case(discovered_on=today() - timedelta(days=2))


def listed(response) -> list[int]:
    return [case.pk for case in response.context["cl"].result_list]


def text(response) -> str:
    return response.content.decode()


def step_links(html: str) -> list[str]:
    return re.findall(r'href="[^"]*/step/([a-z_]+)/', html)


# --- the list ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestList:
    def test_shows_only_the_users_regions(self, client_as, inspector, case, bazhou_enterprise):
        elsewhere = PenaltyCaseFactory(enterprise=bazhou_enterprise)
        response = client_as(inspector).get(CHANGELIST)
        assert response.status_code == 200
        assert listed(response) == [case.pk]
        assert elsewhere.pk not in listed(client_as(inspector).get(CHANGELIST, {"q": "霸州"}))

    def test_city_staff_see_every_region(self, client_as, manager, case, bazhou_enterprise):
        elsewhere = PenaltyCaseFactory(enterprise=bazhou_enterprise)
        assert set(listed(client_as(manager).get(CHANGELIST))) == {case.pk, elsewhere.pk}

    @pytest.mark.parametrize("count", [3, 30])
    def test_query_count_does_not_grow_with_the_list(
        self, client_as, inspector, make_case, count, django_assert_num_queries
    ):
        for _ in range(count):
            make_case(next_deadline_on=today() + timedelta(days=2), due_soon=True)
        client = client_as(inspector)
        # 1 session, 2 user, 3–4 the user's own and group permissions,
        # 5 officer profile, 6 officer's regions, 7 region codes under them,
        # 8 region filter choices, 9 count, 10 the page with enterprise and
        # region joined (deadline and fine columns read the row itself).
        with django_assert_num_queries(10):
            response = client.get(CHANGELIST)
        assert len(listed(response)) == count

    def test_filters_overdue_and_due_soon(self, client_as, inspector, make_case):
        late = make_case(overdue=True, next_deadline_on=today() - timedelta(days=1))
        soon = make_case(due_soon=True, next_deadline_on=today() + timedelta(days=1))
        calm = make_case(next_deadline_on=today() + timedelta(days=30))
        client = client_as(inspector)
        assert listed(client.get(CHANGELIST, {"overdue__exact": "1"})) == [late.pk]
        assert listed(client.get(CHANGELIST, {"due_soon__exact": "1"})) == [soon.pk]
        assert calm.pk in listed(client.get(CHANGELIST, {"overdue__exact": "0"}))

    def test_filters_state_source_region_and_violation_category(
        self, client_as, manager, make_case, bazhou_enterprise
    ):
        clue = make_case(source="complaint")
        filed = make_case(status="filed", violations=["EIA-31-1"])
        elsewhere = PenaltyCaseFactory(enterprise=bazhou_enterprise)
        client = client_as(manager)
        assert listed(client.get(CHANGELIST, {"status__exact": "filed"})) == [filed.pk]
        assert listed(client.get(CHANGELIST, {"source__exact": "complaint"})) == [clue.pk]
        assert listed(client.get(CHANGELIST, {"region": BAZHOU})) == [elsewhere.pk]
        assert listed(client.get(CHANGELIST, {"violation_category": "eia"})) == [filed.pk]
        # A violation type by its code, typed in any case (the dashboard's fine spread).
        assert listed(client.get(CHANGELIST, {"violation_type": "eia-31-1"})) == [filed.pk]
        assert listed(client.get(CHANGELIST, {"violation_type": "NO-SUCH"})) == []

    def test_searches_number_enterprise_name_and_code(
        self, client_as, inspector, make_case, sanhe_enterprise
    ):
        numbered = make_case(number="廊环罚〔2024〕7号", number_year=2024, number_sequence=7)
        other = make_case(enterprise=EnterpriseFactory(name="三河市某建材有限公司"))
        client = client_as(inspector)
        assert listed(client.get(CHANGELIST, {"q": "〔2024〕7号"})) == [numbered.pk]
        assert listed(client.get(CHANGELIST, {"q": "建材"})) == [other.pk]
        assert set(listed(client.get(CHANGELIST, {"q": sanhe_enterprise.uscc}))) == {numbered.pk}

    def test_next_deadline_is_red_when_overdue_and_amber_when_due_soon(
        self, client_as, inspector, make_case
    ):
        make_case(overdue=True, next_deadline_on=today() - timedelta(days=3))
        make_case(due_soon=True, next_deadline_on=today() + timedelta(days=1))
        html = text(client_as(inspector).get(CHANGELIST))
        assert re.search(r'class="font-semibold text-red-600[^"]*"[^>]*>[^<]*已超期 3 天', html)
        assert re.search(r'class="font-semibold text-orange-700[^"]*"[^>]*>[^<]*剩余 1 天', html)


# --- the case page ------------------------------------------------------------------------


@pytest.mark.django_db
class TestCasePage:
    def test_outside_the_users_regions_is_404(self, client_as, other_inspector, case):
        client = client_as(other_inspector)
        assert client.get(page_url(case)).status_code == 404
        assert client.get(step_url(case, "filed")).status_code == 404
        assert client.get(f"{CHANGELIST}{case.pk}/discretion/").status_code == 404

    def test_shows_state_deadline_and_the_approvers_steps(self, client_as, approver, fresh_clue):
        response = client_as(approver).get(page_url(fresh_clue))
        html = text(response)
        assert response.status_code == 200
        assert "案件线索" in html and fresh_clue.enterprise.name in html
        assert 'data-deadline="filing"' in html and "决定是否立案" in html
        assert step_links(html) == ["filed", "not_filed", "transferred"]
        assert "立案期限延长" in html

    def test_an_inspector_sees_no_step_reserved_to_the_approver(
        self, client_as, inspector, fresh_clue
    ):
        html = text(client_as(inspector).get(page_url(fresh_clue)))
        assert step_links(html) == []
        assert "立案期限延长" not in html

    def test_an_overdue_deadline_is_red(self, client_as, approver, make_case):
        late = make_case(discovered_on=today() - timedelta(days=20))
        html = text(client_as(approver).get(page_url(late)))
        item = re.search(r'<li class="([^"]*)"\s+data-deadline="filing"\s+data-state="(\w+)"', html)
        assert item.group(2) == "overdue"
        assert "text-red-600" in item.group(1)
        assert "已超期 5 天" in html

    def test_a_deadline_beyond_the_calendar_carries_a_warning(self, client_as, approver, make_case):
        notified = make_case(
            status="notified",
            filed_on=date(2031, 1, 5),
            notified_on=date(2031, 2, 1),
            discovered_on=date(2031, 1, 2),
            proposed_fine=Decimal("300000"),
            hearing_offered=True,
        )
        html = text(client_as(approver).get(page_url(notified)))
        assert 'data-deadline="hearing_request"' in html
        assert 'data-role="calendar-warning"' in html

    def test_a_read_only_case_offers_no_action(self, client_as, approver, make_case):
        for status in ("archived", "not_filed", "no_penalty", "transferred"):
            ended = make_case(status=status)
            html = text(client_as(approver).get(page_url(ended)))
            assert step_links(html) == [], status
            assert 'id="case-actions"' not in html
            assert 'id="evidence-upload"' not in html
            assert "/discretion/" not in html and "/measure/" not in html
            assert "案卷只读" in html

    def test_a_closed_case_can_only_be_archived(self, client_as, approver, make_case):
        closed = make_case(status="closed", closed_on=today())
        html = text(client_as(approver).get(page_url(closed)))
        assert step_links(html) == ["archived"]
        assert 'id="evidence-upload"' not in html and "/discretion/" not in html

    def test_no_field_is_editable_and_nothing_deleted(self, client_as, administrator, case):
        client = client_as(administrator)
        assert client.post(page_url(case), {"status": "closed"}).status_code == 405
        assert client.get(f"{CHANGELIST}{case.pk}/delete/").status_code == 403
        case.refresh_from_db()
        assert case.status == "clue"


# --- registering a clue ---------------------------------------------------------------------


def register_data(enterprise, officers, **overrides) -> dict:
    data = {
        "enterprise": str(enterprise.pk),
        "party_kind": "organisation",
        "source": "inspection",
        "source_reference": "",
        "discovered_on": today().isoformat(),
        "title": "",
        "officers": [str(officer.pk) for officer in officers],
        "violations-TOTAL_FORMS": "2",
        "violations-INITIAL_FORMS": "0",
        "violations-MIN_NUM_FORMS": "0",
        "violations-MAX_NUM_FORMS": "20",
        "violations-0-violation_type": VIOLATION_MINOR,
        "violations-0-facts": "废气排放口未按规定开展自行监测",
        "violations-0-base_amount": "",
        "violations-0-days": "",
        "violations-0-occurrences": "",
        # The second row was left blank: it is ignored.
        "violations-1-violation_type": "",
        "violations-1-facts": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestRegister:
    def test_registers_a_clue_through_the_service(
        self, client_as, inspector, colleague, sanhe_enterprise
    ):
        data = register_data(sanhe_enterprise, [inspector.officer, colleague.officer])
        response = client_as(inspector).post(ADD, data)
        case = PenaltyCase.objects.get()
        assert response.status_code == 302 and response.url == page_url(case)
        assert case.status == "clue" and case.created_by == inspector
        assert list(case.violations.values_list("violation_type__code", flat=True)) == [
            VIOLATION_MINOR
        ]
        assert set(case.officers.all()) == {inspector.officer, colleague.officer}

    def test_one_officer_is_refused_and_nothing_written(
        self, client_as, inspector, sanhe_enterprise
    ):
        data = register_data(sanhe_enterprise, [inspector.officer])
        response = client_as(inspector).post(ADD, data)
        assert response.status_code == 400
        assert "承办人员不得少于两人" in text(response)
        assert response.context["form"].errors["officers"] == ["承办人员不得少于两人"]
        assert not PenaltyCase.objects.exists()

    def test_a_violation_without_facts_is_refused_on_its_row(
        self, client_as, inspector, colleague, sanhe_enterprise
    ):
        data = register_data(
            sanhe_enterprise, [inspector.officer, colleague.officer], **{"violations-0-facts": ""}
        )
        response = client_as(inspector).post(ADD, data)
        assert response.context["formset"].forms[0].errors["facts"]
        assert not PenaltyCase.objects.exists()

    def test_no_violation_is_refused(self, client_as, inspector, colleague, sanhe_enterprise):
        data = register_data(
            sanhe_enterprise,
            [inspector.officer, colleague.officer],
            **{"violations-0-violation_type": "", "violations-0-facts": ""},
        )
        response = client_as(inspector).post(ADD, data)
        assert "请至少登记一项违法行为" in text(response)
        assert not PenaltyCase.objects.exists()

    def test_choices_are_the_users_regions(
        self, client_as, inspector, colleague, other_inspector, sanhe_enterprise, bazhou_enterprise
    ):
        client = client_as(inspector)
        form = client.get(ADD).context["form"]
        officers = set(form.fields["officers"].queryset)
        assert {inspector.officer, colleague.officer} <= officers
        assert other_inspector.officer not in officers
        response = client.get(
            AUTOCOMPLETE,
            {"app_label": "cases", "model_name": "penaltycase", "field_name": "enterprise"},
        )
        assert [row["id"] for row in response.json()["results"]] == [str(sanhe_enterprise.pk)]
        # A tampered post naming another region's enterprise is refused by the form.
        data = register_data(bazhou_enterprise, [inspector.officer, colleague.officer])
        assert client.post(ADD, data).context["form"].errors["enterprise"]
        assert not PenaltyCase.objects.exists()

    def test_a_manager_cannot_register(self, client_as, manager):
        assert client_as(manager).get(ADD).status_code == 403


@pytest.mark.django_db
def test_violations_and_officers_change_before_the_decision(client_as, inspector, case):
    third = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE])
    data = {
        **register_data(case.enterprise, [inspector.officer, third]),
        "title": "超标排放大气污染物",
        "violations-INITIAL_FORMS": "1",
        "violations-0-violation_type": VIOLATION_MAJOR,
        "violations-0-facts": "颗粒物排放浓度超标 1.5 倍",
    }
    client = client_as(inspector)
    assert f"{CHANGELIST}{case.pk}/edit/" in text(client.get(page_url(case)))
    response = client.post(f"{CHANGELIST}{case.pk}/edit/", data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "超标排放大气污染物"
    assert set(case.officers.all()) == {inspector.officer, third}
    assert list(case.violations.values_list("violation_type__code", "facts")) == [
        (VIOLATION_MAJOR, "颗粒物排放浓度超标 1.5 倍")
    ]


# --- steps of the procedure ----------------------------------------------------------------


@pytest.mark.django_db
class TestSteps:
    def test_the_approver_files_a_clue_and_the_number_appears(
        self, client_as, approver, fresh_clue
    ):
        client = client_as(approver)
        form_page = client.get(step_url(fresh_clue, "filed"), {"from": "clue"})
        assert form_page.status_code == 200
        assert "批准立案" in text(form_page) and 'name="expected_status" value="clue"' in text(
            form_page
        )
        response = client.post(
            step_url(fresh_clue, "filed"),
            {"expected_status": "clue", "on": today().isoformat(), "note": "同意立案"},
            follow=True,
        )
        fresh_clue.refresh_from_db()
        assert fresh_clue.status == "filed" and fresh_clue.number
        html = text(response)
        assert fresh_clue.number in html
        history = CaseTransition.objects.get(case=fresh_clue)
        assert (history.from_status, history.to_status, history.note) == (
            "clue",
            "filed",
            "同意立案",
        )
        assert "同意立案" in html

    def test_a_stale_page_gets_the_conflict_message(self, client_as, approver, fresh_clue):
        # Someone else filed the case after the page was shown with "案件线索".
        workflow.case_transition(case=fresh_clue, to="filed", actor=approver, on=today())
        before = CaseTransition.objects.count()
        response = client_as(approver).post(
            step_url(fresh_clue, "not_filed"),
            {"expected_status": "clue", "on": today().isoformat(), "reason": "证据不足"},
        )
        assert response.status_code == 409
        assert "案件状态已被他人改为“已立案”，请刷新后重试" in text(response)
        assert CaseTransition.objects.count() == before

    def test_an_illegal_move_gets_the_conflict_message(self, client_as, approver, fresh_clue):
        response = client_as(approver).post(
            step_url(fresh_clue, "decided"),
            {"expected_status": "clue", "on": today().isoformat(), "fine_amount": "50000"},
        )
        assert response.status_code == 409
        assert "不能从“案件线索”变更为“已作出处罚决定”" in text(response)
        fresh_clue.refresh_from_db()
        assert fresh_clue.status == "clue" and not fresh_clue.transitions.exists()

    def test_a_role_that_may_not_take_the_step_is_told_who_may(
        self, client_as, inspector, fresh_clue
    ):
        response = client_as(inspector).post(
            step_url(fresh_clue, "filed"), {"expected_status": "clue", "on": today().isoformat()}
        )
        assert response.status_code == 403
        assert "“批准立案”须由负责人办理" in text(response)

    def test_a_missing_reason_is_shown_under_its_field(self, client_as, approver, fresh_clue):
        response = client_as(approver).post(
            step_url(fresh_clue, "not_filed"),
            {"expected_status": "clue", "on": today().isoformat(), "reason": ""},
        )
        assert response.status_code == 400
        assert response.context["form"].errors["reason"] == ["请填写不予立案的理由"]

    def test_each_step_asks_for_its_own_data(self, client_as, approver, fresh_clue):
        client = client_as(approver)
        fields = {
            "transferred": {"transfer_kind", "reason"},
            "not_filed": {"reason"},
        }
        for to, expected in fields.items():
            form = client.get(step_url(fresh_clue, to), {"from": "clue"}).context["form"]
            assert set(form.fields) == {"expected_status", "on", "note", *expected}
        case = PenaltyCaseFactory.build()
        for source, to, expected in [
            ("review", "notified", {"proposed_fine", "heavy_penalty", "is_complex"}),
            ("collective_discussion", "decided", {"fine_amount", "fine_reason", "discussion_on"}),
            ("notified", "no_penalty", {"waiver_kind", "commitment_letter", "first_violation"}),
            ("executing", "closed", {"closing_reason", "reason"}),
        ]:
            from cases.admin_case_forms import StepForm

            form = StepForm(case=case, source=source, target=to)
            assert expected <= set(form.fields), to

    def test_an_event_is_recorded(self, client_as, approver, fresh_clue):
        url = f"{CHANGELIST}{fresh_clue.pk}/event/filing_extension/"
        client = client_as(approver)
        refused = client.post(url, {"on": today().isoformat(), "reason": ""})
        assert refused.context["form"].errors["reason"] == ["延长期限须写明理由"]
        response = client.post(url, {"on": today().isoformat(), "reason": "案情复杂"}, follow=True)
        fresh_clue.refresh_from_db()
        assert fresh_clue.filing_extended
        assert "决定是否立案（已延长）" in text(response)

    def test_the_legal_reviewer_passes_the_review(self, client_as, approver, legal_reviewer, case):
        reviewed = case_walk(case, "legal_review", approver=approver)
        client = client_as(legal_reviewer)
        html = text(client.get(page_url(reviewed)))
        assert step_links(html) == ["review", "collective_discussion"]
        assert "法制审核通过" in html
        url = f"{CHANGELIST}{case.pk}/event/legal_review_pass/"
        response = client.post(url, {"on": today().isoformat(), "reason": "事实清楚，证据确凿"})
        assert response.status_code == 302
        reviewed.refresh_from_db()
        assert reviewed.legal_review_on == today()


# --- discretion, payments and measures ---------------------------------------------------------


@pytest.mark.django_db
class TestDiscretionPaymentsMeasures:
    def test_discretion_is_computed_and_kept(self, client_as, approver, case):
        url = f"{CHANGELIST}{case.pk}/discretion/"
        client = client_as(approver)
        factors = {f"factor_{key}": value for key, value in MILD_FACTORS.items()}
        preview = client.post(url, {**factors, "preview": "1"})
        assert "50,000.00 元" in text(preview)
        case.refresh_from_db()
        assert case.recommended_fine is None
        response = client.post(url, {**factors, "save": "1"}, follow=True)
        case.refresh_from_db()
        assert case.recommended_fine == Decimal("50000.00")
        assert "危害后果：造成一般危害后果，+10%" in text(response)

    def test_a_missing_factor_is_named(self, client_as, approver, case):
        response = client_as(approver).post(
            f"{CHANGELIST}{case.pk}/discretion/", {"factor_harm": "general", "save": "1"}
        )
        assert response.context["form"].errors["factor_fault"]
        case.refresh_from_db()
        assert case.recommended_fine is None

    def test_payment_and_payment_plan(self, client_as, approver, make_case):
        served = case_walk(make_case(violations=[VIOLATION_MINOR]), "served", approver=approver)
        client = client_as(approver)
        html = text(client.get(page_url(served)))
        assert "登记缴款" in html and "批准延期或分期缴纳" in html
        paid_on = served.served_on + timedelta(days=1)
        too_much = client.post(
            f"{CHANGELIST}{served.pk}/payment/",
            {"kind": "fine", "amount": "9999999", "paid_on": paid_on.isoformat()},
        )
        assert too_much.context["form"].errors["amount"]
        response = client.post(
            f"{CHANGELIST}{served.pk}/payment/",
            {
                "kind": "fine",
                "amount": "1000",
                "paid_on": paid_on.isoformat(),
                "receipt_number": "P-1",
            },
            follow=True,
        )
        assert served.payments.get().amount == Decimal("1000")
        assert "P-1" in text(response)

    def test_seal_and_seize_recorded_and_extended(self, client_as, approver, case):
        client = client_as(approver)
        on = today() - timedelta(days=3)
        response = client.post(
            f"{CHANGELIST}{case.pk}/measure/",
            {"kind": "seal_seize", "on": on.isoformat()},
            follow=True,
        )
        measure = SpecialMeasure.objects.get(case=case)
        assert measure.ends_on == on + timedelta(days=30)
        extend = f"{CHANGELIST}{case.pk}/measure/{measure.pk}/extend/"
        assert extend in text(response)
        client.post(extend, {"until": (on + timedelta(days=50)).isoformat(), "reason": "需检测"})
        measure.refresh_from_db()
        assert measure.extended_until == on + timedelta(days=50)


# --- evidence -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEvidence:
    def test_upload_then_download(self, client_as, inspector, case, media):
        client = client_as(inspector)
        photo = SimpleUploadedFile(
            "现场照片.jpg", b"\xff\xd8 photo bytes", content_type="image/jpeg"
        )
        response = client.post(
            f"{CHANGELIST}{case.pk}/evidence/",
            {"file": photo, "description": "排放口"},
            follow=True,
        )
        evidence = Evidence.objects.get(case=case)
        link = f"{CHANGELIST}{case.pk}/evidence/{evidence.pk}/"
        assert link in text(response) and "现场照片.jpg" in text(response)
        download = client.get(link)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"\xff\xd8 photo bytes"
        assert "attachment" in download["Content-Disposition"]

    def test_a_tampered_file_is_refused(self, client_as, inspector, case, media):
        upload = SimpleUploadedFile("笔录.pdf", b"%PDF original", content_type="application/pdf")
        evidence = evidence_attach(case=case, uploaded_file=upload, actor=inspector)
        with open(evidence.file.path, "wb") as handle:
            handle.write(b"%PDF altered")
        response = client_as(inspector).get(f"{CHANGELIST}{case.pk}/evidence/{evidence.pk}/")
        assert response.status_code == 409
        assert "可能已被篡改，已拒绝下载" in text(response)

    def test_an_unsupported_file_is_refused(self, client_as, inspector, case, media):
        program = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
        response = client_as(inspector).post(
            f"{CHANGELIST}{case.pk}/evidence/", {"file": program, "description": ""}
        )
        assert response.status_code == 400
        assert "不支持的文件类型 .exe" in text(response)
        assert not Evidence.objects.exists()


# --- rendering ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_load_no_asset_from_another_site(client_as, approver, make_case, media):
    case = make_case(discovered_on=today() - timedelta(days=2))
    decided = case_walk(make_case(violations=[VIOLATION_MAJOR]), "served", approver=approver)
    client = client_as(approver)
    urls = [
        CHANGELIST,
        ADD,
        page_url(case),
        page_url(decided),
        step_url(case, "filed"),
        f"{CHANGELIST}{case.pk}/discretion/",
        f"{CHANGELIST}{case.pk}/edit/",
        f"{CHANGELIST}{decided.pk}/payment/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), url
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html), url
        assert "<html" in html
