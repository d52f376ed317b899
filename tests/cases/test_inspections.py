"""On-site inspections (现场检查): the life of an inspection through its services,
the rules of who, when and why, outcomes, follow-ups, evidence, and the same
through the API and the admin."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from cases import inspection_services as services
from cases.choices import CaseSource, FindingStatus, InspectionStatus, InspectionTrigger
from cases.inspection_selectors import open_findings
from cases.models import (
    Finding,
    Inspection,
    InspectionPlan,
    InspectionTransition,
    OffsiteRecord,
    PenaltyCase,
    PlanDrawItem,
)
from companies.services import positive_list_add, positive_list_remove
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.cases.inspection_helpers import (
    VIOLATION_MAJOR,
    VIOLATION_MINOR,
    finish,
    minor,
    request,
    snapshot,
    started,
    today,
)
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

S = InspectionStatus
URL = "/api/v1/inspections/"


@pytest.fixture
def officers(inspector, colleague):
    return [inspector.officer, colleague.officer]


@pytest.fixture
def refused():
    """``with refused("code", error=ConflictError):`` expects that error and code,
    and that nothing at all was written."""

    @contextmanager
    def expect(code: str, *, error=DomainError, message: str | None = None):
        before = snapshot()
        with pytest.raises(error) as excinfo:
            yield excinfo
        assert excinfo.value.code == code, excinfo.value.message
        if message is not None:
            assert message in excinfo.value.message, excinfo.value.message
        assert snapshot() == before

    return expect


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def fresh(user):
    return type(user).objects.get(pk=user.pk)


# --- lifecycle --------------------------------------------------------------------------------


class TestLifecycle:
    def test_request_approve_start_find_sign_complete(
        self, inspector, colleague, approver, officers, sanhe_enterprise
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        assert inspection.status == S.REQUESTED
        assert inspection.inspected_on == today()
        assert inspection.region_id == SANHE
        assert inspection.requested_by == inspector

        services.inspection_approve(inspection=inspection, actor=approver, note="同意")
        inspection.refresh_from_db()
        assert inspection.status == S.APPROVED
        assert inspection.approved_by == approver

        services.inspection_start(inspection=inspection, actor=colleague)
        inspection.refresh_from_db()
        assert inspection.status == S.IN_PROGRESS
        assert inspection.started_at is not None

        finding = services.finding_add(
            inspection=inspection,
            actor=inspector,
            violation_type=VIOLATION_MINOR,
            description="危废暂存间标识不全",
            severity="minor",
            corrected_on_spot=True,
        )
        assert finding.status == FindingStatus.CORRECTED
        assert finding.corrected_on == today()
        assert finding.verified_by == inspection

        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张厂长")
        result = services.inspection_complete(
            inspection=inspection, actor=inspector, outcome="no_problem", summary="现场正常"
        )
        inspection.refresh_from_db()
        assert inspection.status == S.COMPLETED
        assert inspection.outcome == "no_problem"
        assert inspection.ended_at >= inspection.started_at
        assert result.case is None
        assert result.ladder.step == "assistance"
        assert inspection.ladder_proposal == "assistance"
        history = list(
            InspectionTransition.objects.filter(inspection=inspection)
            .order_by("id")
            .values_list("from_status", "to_status")
        )
        assert history == [
            ("", S.REQUESTED),
            (S.REQUESTED, S.APPROVED),
            (S.APPROVED, S.IN_PROGRESS),
            (S.IN_PROGRESS, S.COMPLETED),
        ]

    def test_cancel_before_start_with_a_reason(self, inspector, officers, sanhe_enterprise):
        inspection = request(inspector, sanhe_enterprise, officers)
        with pytest.raises(DomainError) as excinfo:
            services.inspection_cancel(inspection=inspection, actor=inspector, reason=" ")
        assert excinfo.value.field == "reason"
        services.inspection_cancel(inspection=inspection, actor=inspector, reason="企业停产")
        inspection.refresh_from_db()
        assert inspection.status == S.CANCELLED

    def test_approving_twice_changes_nothing(self, inspector, approver, officers, sanhe_enterprise):
        inspection = request(inspector, sanhe_enterprise, officers)
        services.inspection_approve(inspection=inspection, actor=approver)
        before = snapshot()
        services.inspection_approve(inspection=inspection, actor=approver)
        assert snapshot() == before


class TestIllegalMoves:
    def test_complete_before_start_names_both_states(
        self, inspector, officers, sanhe_enterprise, refused
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        with refused("illegal_transition", error=ConflictError) as excinfo:
            services.inspection_complete(
                inspection=inspection, actor=inspector, outcome="no_problem"
            )
        assert "“待审批”" in excinfo.value.message
        assert "“已完成”" in excinfo.value.message

    def test_start_needs_approval(self, inspector, officers, sanhe_enterprise, refused):
        inspection = request(inspector, sanhe_enterprise, officers)
        with refused("approval_required", error=ConflictError):
            services.inspection_start(inspection=inspection, actor=inspector)

    def test_inspector_cannot_approve(self, inspector, officers, sanhe_enterprise, refused):
        inspection = request(inspector, sanhe_enterprise, officers)
        with refused("role_required", error=Forbidden):
            services.inspection_approve(inspection=inspection, actor=inspector)

    def test_cancelled_and_completed_are_final(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        cancelled = request(inspector, sanhe_enterprise, officers)
        services.inspection_cancel(inspection=cancelled, actor=inspector, reason="重复申请")
        with refused("illegal_transition", error=ConflictError, message="“已取消”"):
            services.inspection_approve(inspection=cancelled, actor=approver)
        with refused("illegal_transition", error=ConflictError):
            services.inspection_start(inspection=cancelled, actor=inspector)

        done = started(inspector, approver, sanhe_enterprise, officers)
        finish(done, inspector)
        with refused("illegal_transition", error=ConflictError, message="“已完成”变更为“已取消”"):
            services.inspection_cancel(inspection=done, actor=inspector, reason="误操作")
        with refused("inspection_closed", error=ConflictError):
            services.finding_add(
                inspection=done, actor=inspector, description="补登", severity="minor"
            )

    def test_cannot_cancel_once_started(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        with refused("illegal_transition", error=ConflictError, message="“检查中”变更为“已取消”"):
            services.inspection_cancel(inspection=inspection, actor=inspector, reason="x")

    def test_signature_or_refusal_with_witness_comes_first(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        with refused("signature_required"):
            services.inspection_complete(
                inspection=inspection, actor=inspector, outcome="no_problem"
            )
        with refused("required", message="见证人"):
            services.inspection_refuse_signature(inspection=inspection, actor=inspector, witness="")
        services.inspection_refuse_signature(
            inspection=inspection, actor=inspector, witness="村委会主任 王某"
        )
        inspection.refresh_from_db()
        assert inspection.signature == "refused"
        assert inspection.refusal_witness == "村委会主任 王某"
        with refused("signature_recorded", error=ConflictError):
            services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张某")
        services.inspection_complete(inspection=inspection, actor=inspector, outcome="no_problem")

    def test_a_name_too_long_for_the_record_is_refused_not_cut(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        with refused("too_long", message="不能超过 50 个字"):
            services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张" * 51)
        with refused("too_long", message="不能超过 100 个字"):
            services.inspection_refuse_signature(
                inspection=inspection, actor=inspector, witness="王" * 101
            )
        inspection.refresh_from_db()
        assert (inspection.signature, inspection.signed_by, inspection.refusal_witness) == (
            "pending",
            "",
            "",
        )
        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张" * 50)
        inspection.refresh_from_db()
        assert inspection.signed_by == "张" * 50

    def test_outsider_to_the_region_gets_not_found(
        self, inspector, other_inspector, officers, sanhe_enterprise, refused
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        with refused("not_found", error=services.InspectionNotFound):
            services.inspection_cancel(inspection=inspection, actor=other_inspector, reason="x")


# --- who, when and why --------------------------------------------------------------------------


class TestRequestRules:
    def test_at_least_two_officers(self, inspector, sanhe_enterprise, refused):
        with refused("officers_insufficient", message="不得少于两人"):
            request(inspector, sanhe_enterprise, [inspector.officer, inspector.officer])

    def test_certificates_valid_on_the_inspection_date(
        self, inspector, colleague, sanhe_enterprise, refused
    ):
        expired = OfficerFactory(
            name="证件过期员",
            roles=[Role.INSPECTOR],
            regions=[SANHE],
            certificate_valid_until=today() - timedelta(days=10),
        )
        with refused("certificate_invalid", message="证件过期员"):
            request(inspector, sanhe_enterprise, [inspector.officer, expired])
        # Valid on the day of a paper record entered later.
        inspection = request(
            inspector,
            sanhe_enterprise,
            [inspector.officer, expired],
            inspected_on=today() - timedelta(days=20),
        )
        assert inspection.officers.count() == 2
        no_badge = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE], badge_number=None)
        with refused("certificate_invalid"):
            request(inspector, sanhe_enterprise, [inspector.officer, no_badge])

    def test_officers_must_cover_the_region(
        self, inspector, other_inspector, sanhe_enterprise, refused
    ):
        with refused("officer_out_of_scope", message="霸州检查员"):
            request(inspector, sanhe_enterprise, [inspector.officer, other_inspector.officer])

    def test_enterprise_in_the_actors_regions(
        self, other_inspector, officers, sanhe_enterprise, refused
    ):
        with refused("region_out_of_scope"):
            request(other_inspector, sanhe_enterprise, officers)

    def test_date_never_in_the_future(self, inspector, officers, sanhe_enterprise, refused):
        with refused("future_date"):
            request(inspector, sanhe_enterprise, officers, inspected_on=today() + timedelta(days=1))

    def test_role_required(self, manager, officers, sanhe_enterprise, refused):
        with refused("role_required", error=Forbidden):
            request(manager, sanhe_enterprise, officers)

    def test_offsite_trigger_needs_its_record_or_a_source(
        self, inspector, officers, sanhe_enterprise, refused
    ):
        with refused("offsite_record_required"):
            request(inspector, sanhe_enterprise, officers, trigger=InspectionTrigger.OFFSITE)
        inspection = request(
            inspector,
            sanhe_enterprise,
            officers,
            trigger=InspectionTrigger.OFFSITE,
            trigger_reason="在线监控平台 2026 年 11 月颗粒物超标报警",
        )
        assert inspection.trigger == "offsite"

    def test_follow_up_needs_the_inspection_it_follows(
        self, inspector, officers, sanhe_enterprise, refused
    ):
        with refused("required"):
            request(inspector, sanhe_enterprise, officers, trigger=InspectionTrigger.FOLLOW_UP)
        unfinished = request(inspector, sanhe_enterprise, officers)
        with refused("follow_up_of_not_completed", error=ConflictError):
            request(
                inspector,
                sanhe_enterprise,
                officers,
                trigger=InspectionTrigger.FOLLOW_UP,
                follow_up_of=unfinished,
            )


class TestSources:
    def test_a_non_site_record_of_the_same_enterprise(
        self, inspector, officers, sanhe_enterprise, refused
    ):
        def record(enterprise, external_id):
            return OffsiteRecord.objects.create(
                source="power_metering",
                external_id=external_id,
                enterprise=enterprise,
                region_id=enterprise.region_id,
                indicator="治污设施电流",
                started_at=timezone.now() - timedelta(hours=3),
                detected_on=today(),
            )

        other = EnterpriseFactory(region_id=SANHE)
        with refused("source_mismatch") as excinfo:
            request(
                inspector,
                sanhe_enterprise,
                officers,
                trigger=InspectionTrigger.OFFSITE,
                offsite_record=record(other, "PM-1"),
            )
        assert excinfo.value.field == "offsite_record"
        alert = record(sanhe_enterprise, "PM-2")
        inspection = request(
            inspector,
            sanhe_enterprise,
            officers,
            trigger=InspectionTrigger.OFFSITE,
            offsite_record=alert,
        )
        assert inspection.offsite_record == alert
        assert list(alert.inspections.all()) == [inspection]

    def test_a_draw_result_gives_the_plan_and_one_inspection(
        self, inspector, officers, sanhe_enterprise, refused
    ):
        plan = InspectionPlan.objects.create(
            name="2026 年下半年双随机抽查",
            period_start=today() - timedelta(days=30),
            period_end=today() + timedelta(days=30),
        )
        item = PlanDrawItem.objects.create(
            plan=plan, enterprise=sanhe_enterprise, region_id=SANHE, pool="general", position=1
        )
        with refused("trigger_mismatch"):
            request(inspector, sanhe_enterprise, officers, draw_item=item)
        inspection = request(
            inspector,
            sanhe_enterprise,
            officers,
            trigger=InspectionTrigger.RANDOM,
            draw_item=item,
        )
        assert (inspection.plan, inspection.draw_item) == (plan, item)
        with refused("draw_item_taken", error=ConflictError):
            request(
                inspector,
                sanhe_enterprise,
                officers,
                trigger=InspectionTrigger.RANDOM,
                draw_item=item,
            )


class TestPositiveList:
    @pytest.fixture
    def listed(self, inspector, sanhe_enterprise):
        positive_list_add(
            user=inspector,
            enterprise=sanhe_enterprise,
            reason="环保绩效A级",
            added_on=today() - timedelta(days=30),
        )
        return sanhe_enterprise

    def test_routine_random_visits_are_excluded(self, inspector, officers, listed, refused):
        with refused("positive_list_random_excluded", message="正面清单"):
            request(
                inspector,
                listed,
                officers,
                trigger=InspectionTrigger.RANDOM,
                trigger_reason="例行抽查",
            )

    def test_other_triggers_need_a_written_reason(self, inspector, officers, listed, refused):
        with refused("positive_list_reason_required") as excinfo:
            request(inspector, listed, officers, trigger=InspectionTrigger.CAMPAIGN)
        assert excinfo.value.field == "trigger_reason"
        inspection = request(
            inspector,
            listed,
            officers,
            trigger=InspectionTrigger.CAMPAIGN,
            trigger_reason="秋冬季大气污染防治专项行动，用电监控显示治污设施停运",
        )
        assert inspection.trigger_reason.startswith("秋冬季")

    def test_a_complaint_or_a_non_site_alert_is_a_reason(self, inspector, officers, listed):
        complaint = request(inspector, listed, officers, trigger=InspectionTrigger.COMPLAINT)
        assert complaint.status == S.REQUESTED
        alert = request(
            inspector,
            listed,
            officers,
            trigger=InspectionTrigger.OFFSITE,
            trigger_reason="分表计电：产污设备运行、治污设备停运",
        )
        assert alert.status == S.REQUESTED

    def test_listed_on_the_inspection_date_counts(self, inspector, officers, listed):
        positive_list_remove(user=inspector, enterprise=listed, reason="发生环境违法行为")
        # Listed 30 days ago until today: a visit dated 10 days ago needs its reason…
        with pytest.raises(DomainError) as excinfo:
            request(
                inspector,
                listed,
                officers,
                trigger=InspectionTrigger.RANDOM,
                inspected_on=today() - timedelta(days=10),
            )
        assert excinfo.value.code == "positive_list_random_excluded"
        # …one dated today does not.
        assert request(inspector, listed, officers, trigger=InspectionTrigger.RANDOM).pk


class TestEmergency:
    def test_emergency_needs_its_reason(self, inspector, officers, sanhe_enterprise, refused):
        with refused("required") as excinfo:
            request(inspector, sanhe_enterprise, officers, emergency=True)
        assert excinfo.value.field == "emergency_reason"

    def test_starts_first_and_is_approved_afterwards_with_a_reason(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = request(
            inspector,
            sanhe_enterprise,
            officers,
            emergency=True,
            emergency_reason="群众举报正在偷排废水",
        )
        services.inspection_start(inspection=inspection, actor=inspector)
        finish(inspection, inspector)
        inspection.refresh_from_db()
        assert inspection.status == S.COMPLETED
        assert services.late_approval_pending(inspection)
        with refused("required", message="事后补批"):
            services.inspection_approve(inspection=inspection, actor=approver, note="")
        services.inspection_approve(
            inspection=inspection, actor=approver, note="情况紧急，同意先行检查"
        )
        inspection.refresh_from_db()
        assert inspection.status == S.COMPLETED
        assert inspection.approved_by == approver
        assert not services.late_approval_pending(inspection)
        late = inspection.transitions.order_by("-id").first()
        assert (late.from_status, late.to_status, late.label) == (
            S.COMPLETED,
            S.COMPLETED,
            services.LATE_APPROVAL_LABEL,
        )
        assert late.note == "情况紧急，同意先行检查"

    def test_an_ordinary_completed_inspection_is_not_approved_again(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        finish(inspection, inspector)
        with refused("illegal_transition", error=ConflictError):
            services.inspection_approve(inspection=inspection, actor=approver, note="再批")


# --- outcomes ---------------------------------------------------------------------------------


class TestOutcomes:
    def test_rectification_order_with_a_deadline(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        services.finding_add(
            inspection=inspection, actor=inspector, description="未设置采样口", severity="general"
        )
        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张某")
        with refused("required") as excinfo:
            services.inspection_complete(
                inspection=inspection, actor=inspector, outcome="rectification"
            )
        assert excinfo.value.field == "rectification_due_on"
        with refused("before_previous_step"):
            services.inspection_complete(
                inspection=inspection,
                actor=inspector,
                outcome="rectification",
                rectification_due_on=today(),
            )
        with refused("open_findings"):
            services.inspection_complete(
                inspection=inspection, actor=inspector, outcome="no_problem"
            )
        due = today() + timedelta(days=30)
        services.inspection_complete(
            inspection=inspection,
            actor=inspector,
            outcome="rectification",
            rectification_due_on=due,
        )
        inspection.refresh_from_db()
        assert (inspection.outcome, inspection.rectification_due_on) == ("rectification", due)

    def test_a_case_is_opened_through_the_case_service_with_the_link_kept(
        self, inspector, approver, officers, sanhe_enterprise
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        services.finding_add(
            inspection=inspection,
            actor=inspector,
            violation_type=VIOLATION_MAJOR,
            description="超标排放颗粒物",
            severity="serious",
        )
        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张某")
        result = services.inspection_complete(
            inspection=inspection, actor=inspector, outcome="case"
        )
        case = PenaltyCase.objects.get()
        assert result.case == case
        assert case.source == CaseSource.INSPECTION
        assert case.source_inspection == inspection
        assert case.discovered_on == inspection.inspected_on
        assert case.status == "clue"
        assert set(case.officers.all()) == set(officers)
        assert list(case.violations.values_list("violation_type__code", "facts")) == [
            (VIOLATION_MAJOR, "超标排放颗粒物")
        ]
        assert list(inspection.penalty_cases.all()) == [case]

    def test_a_refused_case_leaves_the_inspection_open(
        self, inspector, approver, officers, sanhe_enterprise, refused
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        services.finding_add(
            inspection=inspection, actor=inspector, description="无类型的问题", severity="general"
        )
        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张某")
        with refused("required") as excinfo:
            services.inspection_complete(inspection=inspection, actor=inspector, outcome="case")
        assert excinfo.value.field == "case_violations"
        with refused("unknown_violation_type") as excinfo:
            services.inspection_complete(
                inspection=inspection,
                actor=inspector,
                outcome="case",
                case_violations=[{"type": "NO-SUCH", "facts": "x"}],
            )
        assert excinfo.value.items[0].field == "case_violations.0.type"
        inspection.refresh_from_db()
        assert inspection.status == S.IN_PROGRESS


class TestFollowUp:
    def test_carries_open_findings_and_verifying_closes_them(
        self, inspector, approver, officers, sanhe_enterprise
    ):
        first = started(
            inspector,
            approver,
            sanhe_enterprise,
            officers,
            inspected_on=today() - timedelta(days=40),
        )
        finish(
            first,
            inspector,
            findings=[
                minor("废气收集罩破损"),
                minor("台账不全", corrected_on_spot=True),
                {"description": "未按证排污", "severity": "general"},
            ],
        )
        original_open = list(first.findings.filter(status="open").order_by("id"))
        assert len(original_open) == 2

        follow = request(
            inspector,
            sanhe_enterprise,
            officers,
            trigger=InspectionTrigger.FOLLOW_UP,
            follow_up_of=first,
        )
        carried = list(follow.findings.order_by("id"))
        assert [f.carried_from for f in carried] == original_open
        assert [f.description for f in carried] == ["废气收集罩破损", "未按证排污"]
        assert all(f.status == "open" and f.found_on == first.inspected_on for f in carried)
        assert set(open_findings(enterprise=sanhe_enterprise)) == set(carried)

        services.inspection_approve(inspection=follow, actor=approver)
        services.inspection_start(inspection=follow, actor=inspector)
        services.finding_verify_corrected(finding=carried[0], actor=inspector)
        carried[0].refresh_from_db()
        original_open[0].refresh_from_db()
        for finding in (carried[0], original_open[0]):
            assert finding.status == "corrected"
            assert finding.corrected_on == today()
            assert finding.verified_by == follow
        assert list(open_findings(enterprise=sanhe_enterprise)) == [carried[1]]
        with pytest.raises(ConflictError) as excinfo:
            services.finding_verify_corrected(finding=original_open[0], actor=inspector)
        assert "已整改" in excinfo.value.message

    def test_a_cancelled_follow_up_lets_the_next_carry_again(
        self, inspector, approver, officers, sanhe_enterprise
    ):
        first = started(
            inspector, approver, sanhe_enterprise, officers, inspected_on=today() - timedelta(3)
        )
        finish(first, inspector, findings=[minor()])

        def follow_up():
            return request(
                inspector,
                sanhe_enterprise,
                officers,
                trigger=InspectionTrigger.FOLLOW_UP,
                follow_up_of=first,
            )

        cancelled = follow_up()
        assert follow_up().findings.count() == 0  # still held by the first follow-up
        services.inspection_cancel(inspection=cancelled, actor=inspector, reason="改期")
        assert follow_up().findings.count() == 1


class TestEvidence:
    def test_hash_taken_at_upload_and_checked_at_download(
        self, api_as, inspector, approver, officers, sanhe_enterprise, media
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        content = b"\x89PNG photo of the outlet"
        evidence = services.inspection_evidence_attach(
            inspection=inspection,
            uploaded_file=SimpleUploadedFile("outlet.png", content),
            actor=inspector,
            description="排放口照片",
        )
        assert evidence.sha256 == hashlib.sha256(content).hexdigest()
        assert evidence.inspection == inspection and evidence.case is None
        url = f"{URL}{inspection.pk}/evidence/{evidence.pk}/download/"
        response = api_as(inspector).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        # Tampered on disk: refused.
        with open(evidence.file.path, "wb") as handle:
            handle.write(b"something else")
        response = api_as(inspector).get(url)
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "evidence_tampered"

    def test_not_before_the_inspection_starts(
        self, inspector, approver, officers, sanhe_enterprise, media, refused
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        with refused("inspection_not_started", error=ConflictError):
            services.inspection_evidence_attach(
                inspection=inspection,
                uploaded_file=SimpleUploadedFile("a.pdf", b"%PDF"),
                actor=inspector,
            )
        services.inspection_approve(inspection=inspection, actor=approver)
        services.inspection_start(inspection=inspection, actor=inspector)
        with refused("unsupported_file_type"):
            services.inspection_evidence_attach(
                inspection=inspection,
                uploaded_file=SimpleUploadedFile("a.exe", b"MZ"),
                actor=inspector,
            )


# --- the API ----------------------------------------------------------------------------------


class TestApi:
    def body(self, enterprise, officers, **extra):
        return {
            "enterprise": enterprise.pk,
            "officers": [o.pk for o in officers],
            "trigger": "complaint",
            **extra,
        }

    def test_create_with_findings_entered_afterwards(
        self, api_as, inspector, officers, sanhe_enterprise
    ):
        day = (today() - timedelta(days=5)).isoformat()
        body = self.body(
            sanhe_enterprise,
            officers,
            inspected_on=day,
            findings=[
                {"violation_type": VIOLATION_MINOR, "description": "标识不全", "severity": "minor"},
                {"description": "台账缺失", "severity": "general", "corrected_on_spot": True},
            ],
        )
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "requested"
        assert data["inspected_on"] == day
        assert [f["description"] for f in data["findings"]] == ["标识不全", "台账缺失"]
        assert data["findings"][1]["status"] == "corrected"
        assert [s["to"] for s in data["allowed_transitions"]] == ["cancelled"]

    def test_bad_finding_writes_nothing_and_names_the_item(
        self, api_as, inspector, officers, sanhe_enterprise
    ):
        body = self.body(
            sanhe_enterprise,
            officers,
            findings=[
                {"description": "好的", "severity": "minor"},
                {"violation_type": "NO-SUCH", "description": "坏的", "severity": "minor"},
            ],
        )
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "findings.1.violation_type",
                "code": "unknown_violation_type",
                "message": "违法行为类型 NO-SUCH 不存在或已停用",
            }
        ]
        assert not Inspection.objects.exists() and not Finding.objects.exists()

    def test_one_officer_is_400(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL, self.body(sanhe_enterprise, [inspector.officer]), format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "officers_insufficient"

    def test_actions_through_the_api(self, api_as, inspector, approver, officers, sanhe_enterprise):
        inspection = request(inspector, sanhe_enterprise, officers)
        base = f"{URL}{inspection.pk}/"
        assert api_as(inspector).post(f"{base}approve/", {}).status_code == 403
        response = api_as(approver).post(f"{base}approve/", {"note": "同意"}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "approved"
        client = api_as(inspector)
        assert client.post(f"{base}start/", {}, format="json").json()["status"] == "in_progress"
        response = client.post(
            f"{base}findings/",
            {"violation_type": VIOLATION_MINOR, "description": "标识不全", "severity": "minor"},
            format="json",
        )
        assert response.status_code == 201
        finding_id = response.json()["id"]
        response = client.post(f"{base}complete/", {"outcome": "no_problem"}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "signature_required"
        response = client.post(f"{base}refuse-signature/", {"witness": "保安 李某"}, format="json")
        assert response.json()["signature"] == "refused"
        response = client.post(f"{base}findings/{finding_id}/verify-corrected/", {}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "corrected"
        response = client.post(
            f"{base}complete/", {"outcome": "no_problem", "summary": "已整改"}, format="json"
        )
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["inspection"]["status"] == "completed"
        assert data["case"] is None
        assert data["ladder"]["step"] == "assistance"
        assert data["ladder"]["minor_count"] == 1
        assert data["ladder"]["window_months"] == 12
        response = client.post(f"{base}start/", {}, format="json")
        assert response.status_code == 409
        assert "“已完成”" in response.json()["errors"][0]["message"]

    def test_complete_opening_a_case_answers_its_id(
        self, api_as, inspector, approver, officers, sanhe_enterprise
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        services.inspection_sign(inspection=inspection, actor=inspector, signed_by="张某")
        response = api_as(inspector).post(
            f"{URL}{inspection.pk}/complete/",
            {
                "outcome": "case",
                "case_violations": [{"type": VIOLATION_MAJOR, "facts": "超标排放"}],
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        case = PenaltyCase.objects.get()
        assert response.json()["case"] == case.pk
        assert response.json()["inspection"]["penalty_cases"] == [case.pk]

    def test_other_region_is_404_everywhere(
        self, api_as, inspector, other_inspector, officers, sanhe_enterprise
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        client = api_as(other_inspector)
        assert client.get(f"{URL}{inspection.pk}/").status_code == 404
        for action in ("approve", "start", "cancel", "sign", "complete", "findings"):
            response = client.post(f"{URL}{inspection.pk}/{action}/", {}, format="json")
            assert response.status_code == 404, action
        assert client.get(URL).json()["count"] == 0

    def test_reading_needs_a_role(self, api_as, outsider, monitoring_platform):
        assert api_as(outsider).get(URL).status_code == 403
        assert api_as(monitoring_platform).get(URL).status_code == 403

    def test_manager_reads_but_does_not_write(
        self, api_as, manager, inspector, officers, sanhe_enterprise
    ):
        request(inspector, sanhe_enterprise, officers)
        client = api_as(manager)
        assert client.get(URL).json()["count"] == 1
        response = client.post(URL, self.body(sanhe_enterprise, officers), format="json")
        assert response.status_code == 403


class TestApiFilters:
    @pytest.fixture
    def spread(self, inspector, approver, officers, sanhe_enterprise, bazhou_enterprise):
        bazhou_officers = [
            OfficerFactory(roles=[Role.INSPECTOR], regions=[BAZHOU]) for _ in range(2)
        ]
        bazhou_inspector = bazhou_officers[0].user
        a = request(inspector, sanhe_enterprise, officers, inspected_on=date(2026, 3, 1))
        b = started(inspector, approver, sanhe_enterprise, officers)
        c = request(
            bazhou_inspector,
            bazhou_enterprise,
            bazhou_officers,
            trigger=InspectionTrigger.RANDOM,
            inspected_on=date(2026, 6, 1),
        )
        return {"a": a, "b": b, "c": c, "bazhou_officer": bazhou_officers[1]}

    def ids(self, client, **params) -> set[int]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    def test_filters(self, api_as, manager, spread, sanhe_enterprise):
        client = api_as(manager)
        a, b, c = spread["a"], spread["b"], spread["c"]
        assert self.ids(client) == {a.pk, b.pk, c.pk}
        assert self.ids(client, status="in_progress") == {b.pk}
        assert self.ids(client, status=["requested", "in_progress"]) == {a.pk, b.pk, c.pk}
        assert self.ids(client, trigger="random") == {c.pk}
        assert self.ids(client, region=BAZHOU) == {c.pk}
        assert self.ids(client, region="131000") == {a.pk, b.pk, c.pk}
        assert self.ids(client, enterprise=sanhe_enterprise.pk) == {a.pk, b.pk}
        assert self.ids(client, officer=spread["bazhou_officer"].pk) == {c.pk}
        assert self.ids(client, inspected_after="2026-02-01", inspected_before="2026-05-31") == {
            a.pk
        }
        Inspection.objects.filter(pk=a.pk).update(updated_at=timezone.now() - timedelta(days=9))
        since = (timezone.now() - timedelta(days=1)).isoformat()
        assert a.pk not in self.ids(client, updated_since=since)
        assert self.ids(client, plan=999999) == set()

    @pytest.mark.parametrize("size", [3, 20])
    def test_list_query_count_does_not_grow_with_page(
        self,
        api_as,
        inspector,
        approver,
        officers,
        sanhe_enterprise,
        size,
        django_assert_num_queries,
    ):
        for _ in range(size):
            inspection = started(inspector, approver, sanhe_enterprise, officers)
            services.finding_add(
                inspection=inspection, actor=inspector, description="问题", severity="minor"
            )
        client = api_as(fresh(inspector))
        # 1 the user's officer profile, 2 its regions (scope roots), 3 the region
        # codes under them, 4-5 the user's and its groups' permissions, 6 COUNT,
        # 7 the page with enterprise and region joined, 8 officers, 9 findings
        # with their violation types, 10 penalty cases opened from them.
        with django_assert_num_queries(10):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


ADMIN = "/admin/cases/inspection/"


class TestAdmin:
    def test_list_and_page_render_and_scope(
        self, client_as, inspector, other_inspector, approver, officers, sanhe_enterprise
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        services.finding_add(
            inspection=inspection, actor=inspector, description="标识不全", severity="minor"
        )
        client = client_as(inspector)
        response = client.get(ADMIN)
        assert response.status_code == 200
        assert [i.pk for i in response.context["cl"].result_list] == [inspection.pk]
        page = client.get(f"{ADMIN}{inspection.pk}/change/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "标识不全" in html and "当事人签字" in html and "完成检查" in html
        for route in ("finding/", "sign/", "refuse/", "complete/", "evidence/"):
            assert client.get(f"{ADMIN}{inspection.pk}/{route}").status_code == 200, route
        assert client_as(other_inspector).get(f"{ADMIN}{inspection.pk}/change/").status_code == 404
        assert client_as(other_inspector).get(ADMIN).context["cl"].result_count == 0

    @pytest.mark.parametrize("count", [2, 25])
    def test_list_query_count_does_not_grow(
        self,
        client_as,
        inspector,
        approver,
        officers,
        sanhe_enterprise,
        count,
        django_assert_num_queries,
    ):
        for _ in range(count):
            started(inspector, approver, sanhe_enterprise, officers)
        client = client_as(inspector)
        # 1 session, 2 user, 3-4 the user's own and group permissions, 5 officer
        # profile, 6 its regions, 7 region codes under them, 8 region filter
        # choices, 9 count, 10 the page with enterprise and region joined.
        with django_assert_num_queries(10):
            response = client.get(ADMIN)
        assert len(response.context["cl"].result_list) == count

    def test_request_form_goes_through_the_service(
        self, client_as, inspector, officers, sanhe_enterprise
    ):
        client = client_as(inspector)
        assert client.get(f"{ADMIN}add/").status_code == 200
        form = {
            "enterprise": sanhe_enterprise.pk,
            "trigger": "complaint",
            "inspected_on": today().isoformat(),
            "officers": [inspector.officer.pk],
        }
        response = client.post(f"{ADMIN}add/", form)
        assert response.status_code == 400
        assert "检查人员不得少于两人" in response.content.decode()
        assert not Inspection.objects.exists()
        form["officers"] = [o.pk for o in officers]
        response = client.post(f"{ADMIN}add/", form)
        assert response.status_code == 302
        inspection = Inspection.objects.get()
        assert response["Location"].endswith(f"/{inspection.pk}/change/")

    def test_approve_and_complete_buttons(
        self, client_as, inspector, approver, officers, sanhe_enterprise
    ):
        inspection = request(inspector, sanhe_enterprise, officers)
        page = client_as(approver).get(f"{ADMIN}{inspection.pk}/change/").content.decode()
        assert f"{inspection.pk}/approve/" in page
        assert (
            f"{inspection.pk}/approve/"
            not in client_as(inspector).get(f"{ADMIN}{inspection.pk}/change/").content.decode()
        )
        response = client_as(approver).post(f"{ADMIN}{inspection.pk}/approve/", {"note": "同意"})
        assert response.status_code == 302
        client = client_as(inspector)
        assert client.post(f"{ADMIN}{inspection.pk}/start/", {}).status_code == 302
        client.post(f"{ADMIN}{inspection.pk}/sign/", {"signed_by": "张某"})
        response = client.post(f"{ADMIN}{inspection.pk}/complete/", {"outcome": "rectification"})
        assert response.status_code == 400  # nothing open to rectify
        response = client.post(f"{ADMIN}{inspection.pk}/complete/", {"outcome": "no_problem"})
        assert response.status_code == 302
        inspection.refresh_from_db()
        assert inspection.status == S.COMPLETED
        page = client.get(f"{ADMIN}{inspection.pk}/change/").content.decode()
        assert "阶梯式措施" in page and "无需措施" in page

    def test_read_only_lists_and_enterprise_ladder_page(
        self, client_as, inspector, approver, other_inspector, officers, sanhe_enterprise
    ):
        inspection = started(inspector, approver, sanhe_enterprise, officers)
        finish(inspection, inspector, findings=[minor()])
        client = client_as(inspector)
        assert client.get("/admin/cases/finding/").status_code == 200
        assert client.get("/admin/cases/ladderdecision/").status_code == 200
        assert client.get("/admin/cases/finding/add/").status_code == 403
        url = f"/admin/cases/ladderdecision/enterprise/{sanhe_enterprise.pk}/"
        page = client.get(url)
        assert page.status_code == 200
        assert "帮扶" in page.content.decode()
        assert client_as(other_inspector).get(url).status_code == 404
        response = client.post(
            url, {"decided": "supervision", "note": "", "decided_on": today().isoformat()}
        )
        assert response.status_code == 400
        assert "须写明理由" in response.content.decode()
        response = client.post(
            url, {"decided": "assistance", "note": "", "decided_on": today().isoformat()}
        )
        assert response.status_code == 302


def test_a_second_enterprise_is_not_mixed_up(inspector, approver, officers, sanhe_enterprise):
    other = EnterpriseFactory(region_id=SANHE)
    inspection = started(inspector, approver, other, officers)
    finish(inspection, inspector, findings=[minor()])
    assert open_findings(enterprise=sanhe_enterprise).count() == 0
    assert open_findings(enterprise=other).count() == 1
