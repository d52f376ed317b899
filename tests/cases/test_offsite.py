"""Non-site records (非现场执法): ingestion from monitoring platforms and the
off-site triage, at the service level (cases.offsite_services)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.fields import NOT_PROVIDED
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from cases.choices import OffsiteStatus
from cases.models import OffsiteRecord, OffsiteTriageStep, PenaltyCase
from cases.offsite_services import (
    INSERT_FIELDS,
    MAX_BATCH,
    TRANSITIONS,
    hours_to_triage,
    offsite_bulk_ingest,
    offsite_record_create,
    offsite_triage,
)
from ecoenforce.errors import ConflictError, DomainError, Forbidden, ValidationFailed
from tests.cases.offsite_support import SHANGHAI, STARTED_AT, make_record, record_item
from tests.conftest import BAZHOU, SANHE
from tests.factories import VIOLATION_MAJOR, EnterpriseFactory, OfficerFactory

S = OffsiteStatus


@pytest.fixture
def sanhe_platform(db):
    """A county's platform: its scope is 三河市 only."""
    return OfficerFactory(
        name="三河在线监控平台",
        roles=[Role.MONITORING_PLATFORM],
        regions=[SANHE],
        badge_number=None,
    ).user


def stored() -> list[tuple]:
    return list(
        OffsiteRecord.objects.order_by("id").values_list(
            "id", "source", "external_id", "value", "updated_at"
        )
    )


# --- ingestion ---------------------------------------------------------------------------


class TestBulkIngest:
    def test_stores_every_item_and_answers_ids_in_order(
        self, monitoring_platform, sanhe_enterprise, bazhou_enterprise
    ):
        items = [
            record_item(sanhe_enterprise, 1),
            record_item(bazhou_enterprise, 2, source="power_metering", indicator="治污设施电流"),
            record_item(sanhe_enterprise, 3, value=None, limit=None, ended_at=None),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)

        assert (result.created, result.existing, result.errors) == (3, 0, [])
        records = OffsiteRecord.objects.in_bulk(result.ids)
        assert [records[pk].external_id for pk in result.ids] == [
            "OM-2024-000001",
            "OM-2024-000002",
            "OM-2024-000003",
        ]
        first = records[result.ids[0]]
        assert first.enterprise == sanhe_enterprise
        assert first.region_id == SANHE
        assert first.status == S.NEW
        assert first.value == Decimal("35.2")
        assert first.limit == Decimal("20")
        assert first.started_at == STARTED_AT
        assert first.ended_at == STARTED_AT + timedelta(hours=2)
        assert first.monitoring_point == "1号排放口"
        assert first.received_at is not None and first.updated_at is not None
        assert records[result.ids[1]].region_id == BAZHOU
        assert records[result.ids[1]].source == "power_metering"
        assert records[result.ids[2]].value is None and records[result.ids[2]].ended_at is None

    def test_detection_date_is_the_local_date_of_the_start(
        self, monitoring_platform, sanhe_enterprise
    ):
        # 23:30 UTC on 6 May is 07:30 on 7 May in Beijing.
        items = [
            record_item(sanhe_enterprise, 1, started_at="2024-05-06T23:30:00+00:00", ended_at=None)
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert OffsiteRecord.objects.get(pk=result.ids[0]).detected_on == date(2024, 5, 7)

    def test_resend_creates_nothing_changes_nothing_and_answers_the_same_ids(
        self, monitoring_platform, sanhe_enterprise
    ):
        items = [record_item(sanhe_enterprise, n) for n in range(1, 6)]
        first = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        before = stored()

        # The platform sends the batch again, one value corrected meanwhile.
        items[2]["value"] = "99.9"
        again = offsite_bulk_ingest(actor=monitoring_platform, items=items)

        assert again.ids == first.ids
        assert (again.created, again.existing, again.errors) == (0, 5, [])
        assert stored() == before

    def test_resend_mixed_with_new_items(self, monitoring_platform, sanhe_enterprise):
        first = offsite_bulk_ingest(
            actor=monitoring_platform, items=[record_item(sanhe_enterprise, 1)]
        )
        result = offsite_bulk_ingest(
            actor=monitoring_platform,
            items=[record_item(sanhe_enterprise, 1), record_item(sanhe_enterprise, 2)],
        )
        assert result.ids[0] == first.ids[0]
        assert result.ids[1] not in (None, first.ids[0])
        assert (result.created, result.existing) == (1, 1)

    def test_same_external_id_of_another_source_is_another_record(
        self, monitoring_platform, sanhe_enterprise
    ):
        items = [record_item(sanhe_enterprise, 1), record_item(sanhe_enterprise, 1, source="dcs")]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert result.created == 2 and len(set(result.ids)) == 2

    def test_duplicates_inside_a_batch_the_first_wins(self, monitoring_platform, sanhe_enterprise):
        items = [
            record_item(sanhe_enterprise, 1, value="10"),
            record_item(sanhe_enterprise, 2),
            record_item(sanhe_enterprise, 1, value="77"),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)

        assert result.ids[0] == result.ids[2] != result.ids[1]
        assert (result.created, result.existing, result.errors) == (2, 1, [])
        assert OffsiteRecord.objects.get(pk=result.ids[0]).value == Decimal("10")

    def test_an_invalid_first_occurrence_does_not_hide_a_valid_later_one(
        self, monitoring_platform, sanhe_enterprise
    ):
        items = [
            record_item(sanhe_enterprise, 1, indicator=""),
            record_item(sanhe_enterprise, 1),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert result.ids[0] is None and result.ids[1] is not None
        assert [e["index"] for e in result.errors] == [0]

    def test_partial_errors_are_answered_by_index_and_the_valid_items_kept(
        self, monitoring_platform, sanhe_enterprise
    ):
        items = [
            record_item(sanhe_enterprise, 1),
            record_item(sanhe_enterprise, 2, started_at="2024-05-06T08:30:00"),
            record_item(sanhe_enterprise, 3),
            record_item(sanhe_enterprise, 4, source="telepathy", indicator=""),
            record_item(sanhe_enterprise, 5),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)

        assert result.ids[1] is None and result.ids[3] is None
        assert None not in (result.ids[0], result.ids[2], result.ids[4])
        assert (result.created, result.existing) == (3, 0)
        assert [(e["index"], e["field"], e["code"]) for e in result.errors] == [
            (1, "started_at", "timezone_required"),
            (3, "source", "invalid_choice"),
            (3, "indicator", "required"),
        ]
        assert result.errors[0]["message"].startswith("开始时间须带时区偏移")
        assert OffsiteRecord.objects.count() == 3
        assert set(OffsiteRecord.objects.values_list("external_id", flat=True)) == {
            "OM-2024-000001",
            "OM-2024-000003",
            "OM-2024-000005",
        }

    @pytest.mark.parametrize(
        ("fields", "field", "code"),
        [
            ({"source": ...}, "source", "required"),
            ({"source": "sonar"}, "source", "invalid_choice"),
            ({"external_id": ...}, "external_id", "required"),
            ({"external_id": "   "}, "external_id", "required"),
            ({"external_id": "X" * 101}, "external_id", "max_length"),
            ({"external_id": ["OM-1"]}, "external_id", "invalid"),
            ({"external_id": "OM\x00-1"}, "external_id", "invalid"),
            ({"indicator": ...}, "indicator", "required"),
            ({"indicator": "颗" * 101}, "indicator", "max_length"),
            ({"monitoring_point": "点" * 101}, "monitoring_point", "max_length"),
            ({"unit": 3}, "unit", "invalid"),
            ({"value": "high"}, "value", "invalid_number"),
            ({"value": True}, "value", "invalid_number"),
            ({"value": "NaN"}, "value", "invalid_number"),
            ({"limit": "1e13"}, "limit", "invalid_number"),
            ({"started_at": ...}, "started_at", "required"),
            ({"started_at": "yesterday"}, "started_at", "invalid_datetime"),
            ({"started_at": 1714955400}, "started_at", "invalid_datetime"),
            ({"started_at": "2024-05-06 08:30"}, "started_at", "timezone_required"),
            ({"ended_at": "2024-05-06T08:00:00+08:00"}, "ended_at", "before_start"),
            ({"ended_at": "2024-05-06T10:00:00"}, "ended_at", "timezone_required"),
            ({"enterprise": ...}, "enterprise", "required"),
            ({"enterprise": "1"}, "enterprise", "invalid"),
            ({"enterprise": True}, "enterprise", "invalid"),
            ({"enterprise": 2**70}, "enterprise", "invalid"),
            ({"enterprise": 987654321}, "enterprise", "enterprise_not_found"),
        ],
    )
    def test_each_rule_refuses_the_item_with_its_field_and_code(
        self, monitoring_platform, sanhe_enterprise, fields, field, code
    ):
        items = [record_item(sanhe_enterprise, 1, **fields), record_item(sanhe_enterprise, 2)]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)

        assert [(e["index"], e["field"], e["code"]) for e in result.errors] == [(0, field, code)]
        assert result.errors[0]["message"]
        assert result.ids[0] is None and result.ids[1] is not None
        assert OffsiteRecord.objects.count() == 1

    def test_future_start_is_refused(self, monitoring_platform, sanhe_enterprise):
        future = (timezone.now() + timedelta(hours=1)).isoformat()
        result = offsite_bulk_ingest(
            actor=monitoring_platform, items=[record_item(sanhe_enterprise, started_at=future)]
        )
        assert result.errors[0]["code"] == "future_datetime"
        assert not OffsiteRecord.objects.exists()

    def test_an_item_that_is_no_object_is_refused(self, monitoring_platform, sanhe_enterprise):
        result = offsite_bulk_ingest(
            actor=monitoring_platform, items=["OM-1", record_item(sanhe_enterprise)]
        )
        assert result.errors == [
            {"index": 0, "field": None, "code": "invalid", "message": "每条记录应为 JSON 对象"}
        ]
        assert result.created == 1

    def test_more_than_the_batch_limit_is_refused_whole(
        self, monitoring_platform, sanhe_enterprise
    ):
        items = [record_item(sanhe_enterprise, n) for n in range(MAX_BATCH + 1)]
        with pytest.raises(DomainError) as excinfo:
            offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert excinfo.value.code == "batch_too_large"
        assert "5000" in excinfo.value.message
        assert not OffsiteRecord.objects.exists()

    def test_the_batch_limit_itself_is_accepted(self, monitoring_platform, sanhe_enterprise):
        items = [record_item(sanhe_enterprise, n) for n in range(MAX_BATCH)]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert result.created == MAX_BATCH and None not in result.ids

    def test_enterprise_by_uscc(self, monitoring_platform, sanhe_enterprise):
        items = [
            record_item(None, 1, enterprise_uscc=sanhe_enterprise.uscc),
            # Codes are matched as the registry keeps them: upper case, no spaces.
            record_item(None, 2, enterprise_uscc=f" {sanhe_enterprise.uscc.lower()} "),
            record_item(sanhe_enterprise, 3, enterprise_uscc=sanhe_enterprise.uscc),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert result.errors == []
        assert {r.enterprise_id for r in OffsiteRecord.objects.all()} == {sanhe_enterprise.pk}

    def test_unknown_uscc_and_a_uscc_that_contradicts_the_id(
        self, monitoring_platform, sanhe_enterprise, bazhou_enterprise
    ):
        items = [
            record_item(None, 1, enterprise_uscc="91131082MA0000000X"),
            record_item(sanhe_enterprise, 2, enterprise_uscc=bazhou_enterprise.uscc),
        ]
        result = offsite_bulk_ingest(actor=monitoring_platform, items=items)
        assert [(e["index"], e["field"], e["code"]) for e in result.errors] == [
            (0, "enterprise_uscc", "enterprise_not_found"),
            (1, "enterprise_uscc", "enterprise_mismatch"),
        ]
        assert not OffsiteRecord.objects.exists()

    def test_out_of_scope_enterprise_is_refused_per_item(
        self, sanhe_platform, sanhe_enterprise, bazhou_enterprise
    ):
        items = [
            record_item(sanhe_enterprise, 1),
            record_item(bazhou_enterprise, 2),
            record_item(None, 3, enterprise_uscc=bazhou_enterprise.uscc),
        ]
        result = offsite_bulk_ingest(actor=sanhe_platform, items=items)

        assert result.ids[0] is not None and result.ids[1:] == [None, None]
        # The same answer as for an enterprise that does not exist.
        assert [(e["index"], e["field"], e["code"], e["message"]) for e in result.errors] == [
            (1, "enterprise", "enterprise_not_found", "企业不存在或不在您的管辖范围内"),
            (2, "enterprise_uscc", "enterprise_not_found", "企业不存在或不在您的管辖范围内"),
        ]
        assert list(OffsiteRecord.objects.values_list("region_id", flat=True)) == [SANHE]

    def test_a_key_taken_in_another_region_is_refused_without_its_id(
        self, monitoring_platform, sanhe_platform, sanhe_enterprise, bazhou_enterprise
    ):
        offsite_bulk_ingest(actor=monitoring_platform, items=[record_item(bazhou_enterprise, 1)])
        result = offsite_bulk_ingest(actor=sanhe_platform, items=[record_item(sanhe_enterprise, 1)])
        assert result.ids == [None]
        assert result.errors[0]["code"] == "external_id_taken"
        assert OffsiteRecord.objects.get().region_id == BAZHOU

    @pytest.mark.parametrize("role", [Role.INSPECTOR, Role.MANAGER, Role.REPORTING_CLIENT])
    def test_only_monitoring_platforms_ingest(self, role, sanhe_enterprise):
        user = OfficerFactory(roles=[role]).user
        with pytest.raises(Forbidden) as excinfo:
            offsite_bulk_ingest(actor=user, items=[record_item(sanhe_enterprise)])
        assert excinfo.value.code == "role_required"
        assert not OffsiteRecord.objects.exists()

    def test_queries_do_not_grow_with_the_batch(self, monitoring_platform, sanhe_enterprise):
        enterprises = [sanhe_enterprise, *EnterpriseFactory.create_batch(4)]

        def count(size: int, offset: int) -> tuple[int, int]:
            """Queries of a batch of new records, and of the same batch re-sent."""
            from django.contrib.auth import get_user_model

            items = [
                record_item(enterprises[n % 5], offset + n, enterprise_uscc=None)
                for n in range(size)
            ]
            counts = []
            for created in (size, 0):
                # A fresh user each time: the scope is read once per request.
                user = get_user_model().objects.get(pk=monitoring_platform.pk)
                with CaptureQueriesContext(connection) as queries:
                    result = offsite_bulk_ingest(actor=user, items=items)
                assert result.created == created
                counts.append(len(queries))
            return tuple(counts)

        # 1 role (the user's groups), 2-3 scope (the officer, its regions),
        # 4 the batch's enterprises, 5 INSERT … ON CONFLICT DO NOTHING RETURNING;
        # a re-send adds 6, the SELECT of the stored ids. Plus the savepoint
        # pair of the atomic block inside the test's transaction.
        assert count(10, 0) == count(400, 1000) == (7, 8)

    def test_nothing_is_prepared_on_the_connection(
        self, monitoring_platform, sanhe_enterprise, monkeypatch
    ):
        """A transaction-pooling PgBouncer loses named prepared statements. Django
        turns psycopg's automatic preparation off unless OPTIONS set a
        ``prepare_threshold``; the ingestion's cursor never prepares even then."""
        connection.ensure_connection()
        monkeypatch.setattr(connection.connection, "prepare_threshold", 0)
        for n in range(3):
            offsite_bulk_ingest(
                actor=monitoring_platform, items=[record_item(sanhe_enterprise, n)] * 2
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone() == (0,)


class TestSingleCreate:
    def test_creates_then_answers_the_stored_record(self, monitoring_platform, sanhe_enterprise):
        record, created = offsite_record_create(
            actor=monitoring_platform, data=record_item(sanhe_enterprise)
        )
        assert created and record.status == S.NEW and record.enterprise == sanhe_enterprise

        again, created = offsite_record_create(
            actor=monitoring_platform, data=record_item(sanhe_enterprise, value="1")
        )
        assert not created and again.pk == record.pk and again.value == Decimal("35.2")

    def test_the_same_rules_as_a_batch(self, monitoring_platform, sanhe_enterprise):
        with pytest.raises(ValidationFailed) as excinfo:
            offsite_record_create(
                actor=monitoring_platform,
                data=record_item(sanhe_enterprise, indicator="", ended_at="2024-05-01T00:00:00Z"),
            )
        assert [(i.field, i.code) for i in excinfo.value.items] == [
            ("indicator", "required"),
            ("ended_at", "before_start"),
        ]
        assert not OffsiteRecord.objects.exists()

    def test_inspectors_do_not_send_records(self, inspector, sanhe_enterprise):
        with pytest.raises(Forbidden):
            offsite_record_create(actor=inspector, data=record_item(sanhe_enterprise))


def test_ingestion_writes_every_column_the_database_cannot_fill():
    """The INSERT names its columns; a field added to the model later must be
    nullable or added there, or ingestion would fail."""
    missing = [
        f.name
        for f in OffsiteRecord._meta.concrete_fields
        if f.name not in INSERT_FIELDS and not f.null and f.db_default is NOT_PROVIDED
    ]
    assert missing == []


# --- triage --------------------------------------------------------------------------------


@pytest.fixture
def record(sanhe_enterprise):
    return make_record(sanhe_enterprise)


def snapshot(record) -> dict:
    row = OffsiteRecord.objects.filter(pk=record.pk).values().get()
    return {
        "record": row,
        "steps": OffsiteTriageStep.objects.filter(record=record).count(),
        "inspections": record.inspections.count(),
        "cases": PenaltyCase.objects.filter(source_offsite_record=record).count(),
    }


@pytest.fixture
def refused():
    """``with refused(record, code, error=…):`` the block raises that error and
    code, and nothing of the record (its steps, inspections, cases) changed."""
    from contextlib import contextmanager

    @contextmanager
    def expect(record, code: str, *, error=DomainError, field: str | None = None):
        before = snapshot(record)
        with pytest.raises(error) as excinfo:
            yield excinfo
        assert excinfo.value.code == code, excinfo.value.message
        if field is not None:
            assert excinfo.value.field == field
        assert snapshot(record) == before

    return expect


class TestTriage:
    def test_verifying_then_dismissed_keeps_both_reasons_and_the_first_triage_time(
        self, record, inspector, approver
    ):
        verified = offsite_triage(
            record=record, actor=inspector, to="verifying", reason="调取历史数据核查"
        )
        assert verified.status == S.VERIFYING
        assert verified.triaged_by == inspector
        first_triage = verified.triaged_at
        assert first_triage is not None

        dismissed = offsite_triage(
            record=record,
            actor=approver,
            to="dismissed",
            reason="运维记录显示当日校准，数据异常",
            dismissal_reason="device_fault",
        )
        assert dismissed.status == S.DISMISSED
        assert dismissed.dismissal_reason == "device_fault"
        assert dismissed.triage_note == "运维记录显示当日校准，数据异常"
        # Time to triage runs to the first decision, not to the outcome.
        assert (dismissed.triaged_at, dismissed.triaged_by) == (first_triage, inspector)
        steps = list(
            record.triage_steps.order_by("id").values_list("from_status", "to_status", "reason")
        )
        assert steps == [
            ("new", "verifying", "调取历史数据核查"),
            ("verifying", "dismissed", "运维记录显示当日校准，数据异常"),
        ]

    @pytest.mark.parametrize("reason", ["device_fault", "false_alarm"])
    def test_dismissed_straight_from_new(self, record, inspector, reason):
        moved = offsite_triage(
            record=record, actor=inspector, to="dismissed", reason="核实", dismissal_reason=reason
        )
        assert moved.status == S.DISMISSED and moved.dismissal_reason == reason
        assert moved.triaged_at is not None

    def test_dismissal_needs_its_reason(self, record, inspector, refused):
        with refused(record, "required", field="dismissal_reason"):
            offsite_triage(record=record, actor=inspector, to="dismissed", reason="误报")
        with refused(record, "invalid_choice", field="dismissal_reason"):
            offsite_triage(
                record=record,
                actor=inspector,
                to="dismissed",
                reason="误报",
                dismissal_reason="rain",
            )

    def test_rectified_online_records_the_enterprise_response(self, record, inspector):
        moved = offsite_triage(
            record=record,
            actor=inspector,
            to="rectified_online",
            reason="企业已更换滤袋，在线数据恢复达标",
            enterprise_response="5月6日11时更换除尘滤袋，附更换记录及监测数据截图",
        )
        assert moved.status == S.RECTIFIED_ONLINE
        assert moved.enterprise_response.startswith("5月6日11时更换除尘滤袋")
        assert record.triage_steps.get().data["enterprise_response"] == moved.enterprise_response

    def test_rectified_online_needs_the_response(self, record, inspector, refused):
        with refused(record, "required", field="enterprise_response"):
            offsite_triage(record=record, actor=inspector, to="rectified_online", reason="已整改")

    def test_inspection_requested_creates_an_inspection_triggered_by_the_record(
        self, record, inspector, colleague, sanhe_enterprise
    ):
        moved = offsite_triage(
            record=record,
            actor=inspector,
            to="inspection_requested",
            reason="颗粒物连续超标 2 小时，需现场核实",
            officers=[inspector.officer, colleague.officer],
        )
        assert moved.status == S.INSPECTION_REQUESTED
        inspection = record.inspections.get()
        assert inspection.trigger == "offsite"
        assert inspection.offsite_record == record
        assert inspection.enterprise == sanhe_enterprise
        assert "颗粒物连续超标" in inspection.trigger_reason
        assert set(inspection.officers.all()) == {inspector.officer, colleague.officer}
        assert record.triage_steps.get().data == {"inspection": inspection.pk}

    def test_case_opened_registers_a_case_from_the_record(
        self, record, inspector, colleague, sanhe_enterprise
    ):
        moved = offsite_triage(
            record=record,
            actor=inspector,
            to="case_opened",
            reason="超标排放事实清楚，数据有效",
            violations=[
                {"type": VIOLATION_MAJOR, "facts": "颗粒物小时浓度 35.2 mg/m³，超标 0.76 倍"}
            ],
            officers=[inspector.officer, colleague.officer],
        )
        assert moved.status == S.CASE_OPENED
        case = PenaltyCase.objects.get(source_offsite_record=record)
        assert case.source == "offsite"
        assert case.enterprise == sanhe_enterprise
        assert case.status == "clue"
        assert case.discovered_on == record.detected_on == date(2024, 5, 6)
        assert list(case.violations.values_list("violation_type__code", flat=True)) == [
            VIOLATION_MAJOR
        ]
        assert "OM-2024-000001" in case.source_reference
        assert record.triage_steps.get().data == {"case": case.pk}

    def test_a_refused_case_writes_nothing(self, record, inspector, refused):
        with refused(record, "officers_insufficient"):
            offsite_triage(
                record=record,
                actor=inspector,
                to="case_opened",
                reason="超标",
                violations=[{"type": VIOLATION_MAJOR, "facts": "超标排放"}],
                officers=[inspector.officer],
            )

    @pytest.mark.parametrize("to", [s for s in S.values if s != "new"])
    def test_reason_is_required_at_every_step(self, record, inspector, refused, to):
        with refused(record, "required", field="reason"):
            offsite_triage(
                record=record,
                actor=inspector,
                to=to,
                reason="  ",
                dismissal_reason="false_alarm",
                enterprise_response="已整改",
            )

    @pytest.mark.parametrize(
        ("start", "to"),
        [
            ("verifying", "new"),
            ("new", "new_again"),
            ("dismissed", "verifying"),
            ("dismissed", "case_opened"),
            ("rectified_online", "dismissed"),
            ("inspection_requested", "case_opened"),
            ("case_opened", "inspection_requested"),
        ],
    )
    def test_illegal_moves_name_both_states(self, sanhe_enterprise, inspector, refused, start, to):
        record = make_record(sanhe_enterprise, status=start)
        if to not in S.values:
            with refused(record, "invalid_choice", field="to"):
                offsite_triage(record=record, actor=inspector, to=to, reason="x")
            return
        with refused(record, "illegal_transition", error=ConflictError) as excinfo:
            offsite_triage(
                record=record,
                actor=inspector,
                to=to,
                reason="重新核查",
                dismissal_reason="false_alarm",
            )
        assert S(start).label in excinfo.value.message
        assert S(to).label in excinfo.value.message

    def test_every_outcome_is_terminal(self):
        outcomes = {S.DISMISSED, S.RECTIFIED_ONLINE, S.INSPECTION_REQUESTED, S.CASE_OPENED}
        assert not [key for key in TRANSITIONS if key[0] in outcomes]
        assert {target for _, target in TRANSITIONS} == outcomes | {S.VERIFYING}

    def test_moving_to_the_current_state_is_a_no_op(self, sanhe_enterprise, inspector):
        record = make_record(sanhe_enterprise, status="dismissed", dismissal_reason="false_alarm")
        again = offsite_triage(
            record=record,
            actor=inspector,
            to="dismissed",
            reason="重复点击",
            dismissal_reason="device_fault",
        )
        assert again.dismissal_reason == "false_alarm"
        assert not record.triage_steps.exists()

    @pytest.mark.parametrize("persona", ["manager", "monitoring_platform", "legal_reviewer"])
    def test_only_inspectors_and_approvers_triage(self, request, record, refused, persona):
        user = request.getfixturevalue(persona)
        with refused(record, "role_required", error=Forbidden):
            offsite_triage(record=record, actor=user, to="verifying", reason="核查")

    def test_other_region_does_not_see_the_record(self, record, other_inspector, refused):
        with refused(record, "not_found") as excinfo:
            offsite_triage(record=record, actor=other_inspector, to="verifying", reason="核查")
        assert excinfo.value.status == 404

    def test_hours_to_triage(self, sanhe_enterprise, inspector):
        record = make_record(sanhe_enterprise)
        assert hours_to_triage(record) is None
        decided_at = STARTED_AT + timedelta(hours=3, minutes=30)
        moved = offsite_triage(
            record=record, actor=inspector, to="verifying", reason="核查", on=decided_at
        )
        assert moved.triaged_at == decided_at
        assert hours_to_triage(moved) == 3.5

    def test_today_is_stamped_now(self, record, inspector):
        before = timezone.now()
        moved = offsite_triage(
            record=record, actor=inspector, to="verifying", reason="核查", on=timezone.localdate()
        )
        assert before <= moved.triaged_at <= timezone.now()

    def test_a_decision_entered_later_counts_at_the_end_of_its_day(self, record, inspector):
        moved = offsite_triage(
            record=record, actor=inspector, to="verifying", reason="补录", on=date(2024, 5, 7)
        )
        assert moved.triaged_at == datetime(2024, 5, 7, 23, 59, 59, 999999, tzinfo=SHANGHAI)
        assert moved.triage_steps.get().on == date(2024, 5, 7)
        assert hours_to_triage(moved) == pytest.approx(39.5, abs=0.01)

    def test_a_decision_cannot_precede_the_alert_or_lie_in_the_future(
        self, record, inspector, refused
    ):
        with refused(record, "before_detection", field="on"):
            offsite_triage(
                record=record, actor=inspector, to="verifying", reason="核查", on=date(2024, 5, 5)
            )
        with refused(record, "future_date", field="on"):
            offsite_triage(
                record=record,
                actor=inspector,
                to="verifying",
                reason="核查",
                on=timezone.localdate() + timedelta(days=1),
            )
