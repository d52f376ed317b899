"""``manage.py seed_demo_records [--seed N]``: enforcement and service records for
the demo city, after ``seed_demo``.

Everything is written through the services, exactly as the admin, the API and
the monitoring platforms write it, so every rule of the procedure holds (two
certified officers, the filing and decision periods, the 5-working-day window
before a decision, legal review and collective discussion where the law needs
them, payments, history rows). The records concern the enterprises of 三河市
and 霸州市, whose brigades have two demo inspectors each, and are dated over
the last eighteen months, never after today:

- 2 random-draw inspection plans (双随机), drawn and published, with their
  inspections;
- on-site inspections with findings, rectification orders, follow-ups,
  ladder decisions and one that opens a case;
- about 300 non-site records sent by the monitoring platform, triaged into
  every outcome;
- about 40 penalty cases in every state, with a hearing, a waiver, a transfer,
  a daily penalty and a seal/seize;
- service visits with policy cards, demands, symposiums, and ratings and
  complaints sent through one-time feedback links.

The same seed (and the same day) gives the same records. The non-site records
carry external ids starting with ``DEMO-``: when they exist the command says so
and writes nothing, so running it twice never duplicates.
"""

from __future__ import annotations

import random
import time as clock
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Officer, Unit
from cases import workflow
from cases.deadlines import hearing_request_deadline
from cases.feedback_services import feedback_link_create, feedback_submit
from cases.inspection_services import (
    finding_add,
    finding_verify_corrected,
    inspection_approve,
    inspection_complete,
    inspection_refuse_signature,
    inspection_request,
    inspection_sign,
    inspection_start,
)
from cases.ladder import ladder_decide
from cases.models import Inspection, OffsiteRecord, PenaltyCase, ViolationType
from cases.offsite_services import offsite_bulk_ingest, offsite_triage
from cases.penalties import case_balance, measure_record, payment_record
from cases.plan_services import plan_create, plan_draw, plan_publish
from cases.services import case_discretion_compute, case_event_record, case_register
from cases.workdays import add_workdays
from companies.models import Enterprise, PolicyCard
from companies.service_visits import (
    demand_mark_unresolvable,
    demand_raise,
    demand_resolve,
    demand_start,
    symposium_record,
    visit_record,
)
from ecoenforce.errors import DomainError

User = get_user_model()
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKER = "DEMO-"
SPAN_DAYS = 540  # about eighteen months
COUNTIES = {
    "131082": ("inspector_sanhe", "inspector_sanhe2"),
    "131081": ("inspector_bazhou", "inspector_bazhou2"),
}

# Discretion factors of an ordinary first violation (see cases/discretion.py).
MILD_FACTORS = {
    "harm": "general",
    "fault": "negligent",
    "method": "ordinary",
    "object": "general",
    "history": "first",
    "correction": "corrected",
    "sensitive_period": "normal",
}
# Violation types of the seeded library (cases/migrations/0003), by code.
MINOR = "AIR-100-2"  # 20,000–200,000 yuan, eligible for a waiver
MAJOR = "AIR-99-2"  # 100,000–1,000,000 yuan: above the hearing threshold
ORDINARY = ("AIR-100-2", "AIR-108-1", "AIR-117-2", "WATER-82-1", "SW-102-8")
FACTS = {
    "AIR-100-2": "未按照排污许可证要求对废气排放口开展自行监测，未保存原始监测记录",
    "AIR-99-2": "在线监控数据显示颗粒物排放浓度持续超过排放标准",
    "AIR-108-1": "喷涂工序未在密闭空间内进行，挥发性有机物废气未收集处理",
    "AIR-117-2": "原料堆场未设置围挡，易产生扬尘的物料未采取覆盖措施",
    "WATER-82-1": "未按照规定对外排废水开展自行监测，未保存原始监测记录",
    "SW-102-8": "未建立一般工业固体废物管理台账",
}
FINDINGS = (
    ("危废贮存间标识不规范，台账记录不完整", "minor", ""),
    ("活性炭吸附装置未按期更换活性炭", "general", "AIR-108-1"),
    ("原料堆场部分区域未覆盖防尘网", "minor", "AIR-117-2"),
    ("自行监测报告缺少第三季度废气监测数据", "general", "AIR-100-2"),
    ("一般工业固体废物未分类贮存，未建立台账", "minor", "SW-102-8"),
    ("废水总排口标志牌缺失", "minor", ""),
    ("治污设施运行记录未及时填写", "minor", ""),
)
CASE_PLAN = (
    # (target state, how many, youngest and oldest age in days, options)
    ("clue", 3, 2, 10, {}),
    ("not_filed", 1, 20, 200, {}),
    ("filed", 3, 6, 14, {}),
    ("investigating", 3, 12, 50, {}),
    ("investigating", 1, 20, 40, {"seal": True}),
    ("suspended", 1, 30, 60, {}),
    ("transferred", 1, 40, 300, {}),
    ("review", 2, 22, 50, {}),
    ("notified", 2, 26, 30, {}),
    ("hearing", 1, 34, 38, {"major": True}),
    ("legal_review", 1, 40, 50, {"major": True}),
    ("no_penalty", 2, 40, 400, {}),
    ("decided", 3, 40, 50, {}),
    ("served", 3, 45, 55, {}),
    ("executing", 1, 60, 120, {}),
    ("executing", 1, 80, 150, {"daily": True}),
    ("closed", 5, 60, 540, {}),
    ("closed", 1, 90, 540, {"major": True, "hearing": True}),
    ("archived", 4, 120, 540, {}),
    ("archived", 1, 120, 540, {"major": True}),
)
PATH = (
    "filed",
    "investigating",
    "review",
    "notified",
    "hearing",
    "legal_review",
    "collective_discussion",
    "decided",
    "served",
    "executing",
    "closed",
    "archived",
)
DEMAND_TEXTS = (
    ("permit", "排污许可证延续办理流程咨询"),
    ("eia", "扩建项目环评审批材料准备指导"),
    ("technique", "VOCs 治理设施选型与运行维护技术咨询"),
    ("finance", "治污设施改造申请绿色信贷支持"),
    ("enforcement", "希望明确自行监测频次的执法口径"),
    ("technique", "危险废物贮存间建设规范咨询"),
    ("other", "园区污水管网接入协调"),
)
RATING_COMMENTS = (
    "执法人员态度热情，讲解政策清楚",
    "检查规范，指出的问题很有帮助",
    "服务到位，帮助企业解决了实际困难",
    "",
    "政策明白卡内容实用",
)
COMPLAINTS = (
    "检查时间过长，影响正常生产",
    "执法人员未出示执法证件",
    "同一问题多次重复检查",
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


class Command(BaseCommand):
    help = "在演示城市中通过业务服务生成执法与服务记录（案件、检查、非现场、走访等）；可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="随机种子，默认 2024")

    def handle(self, *args, seed: int, **options):
        if OffsiteRecord.objects.filter(external_id__startswith=MARKER).exists():
            self.stdout.write(
                "演示业务记录已存在（非现场执法记录编号以 DEMO- 开头），本次未新增任何记录"
            )
            return
        started = clock.monotonic()
        self.rng = random.Random(f"{seed}:records")
        self.today = timezone.localdate()
        self.counts: dict[str, int] = {}
        self.load_people()
        try:
            with transaction.atomic():
                self.seed_plans()
                self.seed_inspections()
                self.seed_offsite()
                self.seed_cases()
                self.seed_visits()
                self.seed_feedback()
        except DomainError as exc:
            raise CommandError(f"生成演示业务记录失败：{exc.message}") from exc
        elapsed = clock.monotonic() - started
        summary = "；".join(f"{label} {n}" for label, n in self.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"演示业务记录已生成（随机种子 {seed}，用时 {elapsed:.1f} 秒）：{summary}"
            )
        )

    # --- people and places ---------------------------------------------------------------

    def load_people(self) -> None:
        usernames = [
            "approver",
            "legal_reviewer",
            "monitoring_platform",
            *(name for pair in COUNTIES.values() for name in pair),
        ]
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in users]
        if missing:
            raise CommandError(f"缺少演示账号 {'、'.join(missing)}，请先运行 manage.py seed_demo")
        self.approver = users["approver"]
        self.legal_reviewer = users["legal_reviewer"]
        self.platform = users["monitoring_platform"]
        self.inspectors = {
            code: [Officer.objects.select_related("user").get(user=users[name]) for name in pair]
            for code, pair in COUNTIES.items()
        }
        self.enterprises = {
            code: list(
                Enterprise.objects.filter(region_id=code, status="operating").order_by("uscc")
            )
            for code in COUNTIES
        }
        if not all(self.enterprises.values()):
            raise CommandError("演示企业不存在，请先运行 manage.py seed_demo")
        self.cards = list(PolicyCard.objects.filter(active=True).order_by("code"))
        known = set(ViolationType.objects.filter(code__in=FACTS).values_list("code", flat=True))
        if known != set(FACTS):
            raise CommandError("违法行为库不完整，请先运行 manage.py migrate")

    def add(self, label: str, n: int = 1) -> None:
        self.counts[label] = self.counts.get(label, 0) + n

    def county(self) -> str:
        return self.rng.choice(sorted(COUNTIES))

    def enterprise(self, code: str | None = None, *, listed: bool | None = None) -> Enterprise:
        pool = self.enterprises[code or self.county()]
        if listed is not None:
            pool = [e for e in pool if e.on_positive_list == listed] or pool
        return self.rng.choice(pool)

    def ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def lead(self, code: str):
        """The inspector who records, and both officers of the county."""
        officers = self.inspectors[code]
        return officers[0].user, officers

    # --- random-draw plans -----------------------------------------------------------------

    def seed_plans(self) -> None:
        specs = (
            ("三河市", "131082", 400, 250),
            ("霸州市", "131081", 200, 40),
        )
        for name, code, start_ago, end_ago in specs:
            start = self.today - timedelta(days=start_ago)
            end = self.today - timedelta(days=end_ago)
            plan = plan_create(
                actor=self.approver,
                name=f"{start:%Y}年{name}生态环境执法“双随机、一公开”抽查计划",
                period_start=start,
                period_end=end,
                region_codes=[code],
                pools=[
                    {"kind": "key", "ratio": "30"},
                    {"kind": "special", "ratio": "20"},
                    {"kind": "general", "ratio": "10"},
                ],
            )
            plan = plan_draw(plan=plan, actor=self.approver, seed=self.rng.randrange(10**8))
            plan = plan_publish(plan=plan, actor=self.approver)
            self.add("双随机抽查计划")
            items = list(plan.items.select_related("enterprise").order_by("position"))
            self.add("抽中企业", len(items))
            span = (end - start).days
            for item in items:
                day = start + timedelta(days=self.rng.randint(0, span))
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                day = max(day, start)
                self.inspect(
                    item.enterprise,
                    day,
                    trigger="random",
                    officers=list(item.officers.order_by("id")),
                    plan=plan,
                    draw_item=item,
                )

    # --- inspections -----------------------------------------------------------------------

    def inspect(
        self,
        enterprise: Enterprise,
        day: date,
        *,
        trigger: str,
        officers=None,
        findings: int | None = None,
        outcome: str | None = None,
        ladder: bool = True,
        **extra,
    ) -> Inspection:
        """One inspection from request to completion, on ``day``."""
        code = enterprise.region_id
        actor, county_officers = self.lead(code)
        officers = officers or county_officers
        actor = officers[0].user
        inspection = inspection_request(
            actor=actor,
            enterprise=enterprise,
            trigger=trigger,
            inspected_on=day,
            officers=officers,
            trigger_reason=extra.pop("trigger_reason", "")
            or ("" if trigger in ("random", "follow_up") else "按计划开展专项执法检查"),
            **extra,
        )
        inspection = inspection_approve(
            inspection=inspection, actor=self.approver, note="同意入企检查"
        )
        inspection = inspection_start(
            inspection=inspection, actor=actor, started_at=at(day, 9, self.rng.randrange(60))
        )
        if findings is None:
            findings = self.rng.choice((0, 0, 0, 1, 1, 2))
        for description, severity, violation in self.rng.sample(FINDINGS, findings):
            finding_add(
                inspection=inspection,
                actor=actor,
                description=description,
                severity=severity,
                violation_type=violation or None,
                corrected_on_spot=self.rng.random() < 0.3,
            )
        if self.rng.random() < 0.08:
            inspection_refuse_signature(
                inspection=inspection, actor=actor, witness="园区管委会工作人员"
            )
        else:
            inspection_sign(
                inspection=inspection,
                actor=actor,
                signed_by=enterprise.legal_representative or "企业负责人",
            )
        open_findings = inspection.findings.filter(status="open").exists()
        if outcome is None:
            outcome = "rectification" if open_findings else "no_problem"
        done = inspection_complete(
            inspection=inspection,
            actor=actor,
            outcome=outcome,
            rectification_due_on=day + timedelta(days=30) if outcome == "rectification" else None,
            summary={
                "no_problem": "现场检查未发现环境违法问题",
                "rectification": "发现问题，当场下达责令改正通知书",
                "case": "发现环境违法行为，移交立案查处",
            }[outcome],
            ended_at=at(day, 11, self.rng.randrange(60)),
        )
        self.add("已完成现场检查")
        if done.case is not None:
            self.add("由现场检查立案")
        if ladder and outcome != "no_problem":
            ladder_decide(
                enterprise=enterprise,
                inspection=done.inspection,
                decided=done.ladder.step,
                actor=actor,
                decided_on=day,
            )
            self.add("阶梯式措施决定")
        return done.inspection

    def seed_inspections(self) -> None:
        triggers = ("campaign", "campaign", "complaint", "other")
        follow_ups = 0
        for _ in range(48):
            enterprise = self.enterprise(listed=False)
            trigger = self.rng.choice(triggers)
            day = self.ago(40, SPAN_DAYS)
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            reason = {
                "complaint": "群众来电反映企业夜间异味扰民",
                "campaign": "夏季臭氧污染防治专项执法行动",
                "other": "上级交办的环境问题线索核查",
            }[trigger]
            inspection = self.inspect(enterprise, day, trigger=trigger, trigger_reason=reason)
            if inspection.outcome == "rectification" and follow_ups < 12:
                self.follow_up(inspection)
                follow_ups += 1
        # One inspection that opens a case, through inspection_complete.
        for code in sorted(COUNTIES):
            enterprise = self.enterprise(code, listed=False)
            day = self.ago(30, 45)
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            self.inspect_to_case(enterprise, day)

    def inspect_to_case(self, enterprise: Enterprise, day: date) -> None:
        actor, officers = self.lead(enterprise.region_id)
        inspection = inspection_request(
            actor=actor,
            enterprise=enterprise,
            trigger="complaint",
            inspected_on=day,
            officers=officers,
            trigger_reason="群众举报企业喷涂车间废气未经处理直排",
        )
        inspection = inspection_approve(
            inspection=inspection, actor=self.approver, note="同意入企检查"
        )
        inspection = inspection_start(inspection=inspection, actor=actor, started_at=at(day, 14))
        finding_add(
            inspection=inspection,
            actor=actor,
            description=FACTS["AIR-108-1"],
            severity="serious",
            violation_type="AIR-108-1",
        )
        inspection_sign(
            inspection=inspection,
            actor=actor,
            signed_by=enterprise.legal_representative or "企业负责人",
        )
        done = inspection_complete(
            inspection=inspection,
            actor=actor,
            outcome="case",
            summary="发现环境违法行为，移交立案查处",
            ended_at=at(day, 16),
        )
        self.add("已完成现场检查")
        ladder_decide(
            enterprise=enterprise,
            inspection=done.inspection,
            decided="penalty",
            actor=actor,
            decided_on=day,
            note="违法行为情节较重，依法立案查处",
        )
        self.add("阶梯式措施决定")
        self.walk(done.case, "investigating")
        self.add("由现场检查立案")

    def follow_up(self, inspection: Inspection) -> None:
        day = inspection.rectification_due_on + timedelta(days=self.rng.randint(1, 10))
        if day > self.today:
            return
        actor, officers = self.lead(inspection.region_id)
        follow = inspection_request(
            actor=actor,
            enterprise=inspection.enterprise,
            trigger="follow_up",
            inspected_on=day,
            officers=officers,
            follow_up_of=inspection,
        )
        follow = inspection_approve(inspection=follow, actor=self.approver, note="同意复查")
        follow = inspection_start(inspection=follow, actor=actor, started_at=at(day, 9, 30))
        for finding in follow.findings.filter(status="open"):
            finding_verify_corrected(
                finding=finding, actor=actor, corrected_on=day, verified_by=follow
            )
        inspection_sign(
            inspection=follow,
            actor=actor,
            signed_by=inspection.enterprise.legal_representative or "企业负责人",
        )
        inspection_complete(
            inspection=follow,
            actor=actor,
            outcome="no_problem",
            summary="复查确认责令改正的问题均已整改完毕",
            ended_at=at(day, 10, 30),
        )
        self.add("已完成现场检查")
        self.add("跟踪复查")

    # --- non-site records ----------------------------------------------------------------------

    def seed_offsite(self) -> None:
        kinds = (
            ("online_monitoring", "1号排放口", "颗粒物", "20", "mg/m³", 5),
            ("online_monitoring", "1号排放口", "二氧化硫", "35", "mg/m³", 3),
            ("online_monitoring", "废水总排口", "化学需氧量", "50", "mg/L", 3),
            ("online_monitoring", "2号排放口", "非甲烷总烃", "60", "mg/m³", 3),
            ("power_metering", "治污设施用电监测点", "产污设施运行、治污设施停运", None, "", 4),
            ("video", "厂区视频监控", "露天堆场未覆盖", None, "", 1),
            ("dcs", "脱硝系统", "氨逃逸", "8", "mg/m³", 1),
        )
        weights = [k[-1] for k in kinds]
        items = []
        for n in range(1, 301):
            source, point, indicator, limit, unit, _ = self.rng.choices(kinds, weights)[0]
            enterprise = self.enterprise()
            started_at = at(self.ago(1, SPAN_DAYS), self.rng.randrange(24), self.rng.randrange(60))
            if started_at > timezone.now() - timedelta(hours=3):
                started_at = timezone.now() - timedelta(hours=3)
            item = {
                "source": source,
                "external_id": f"{MARKER}{source.upper()[:2]}-{n:06d}",
                "enterprise_uscc": enterprise.uscc,
                "monitoring_point": point,
                "indicator": indicator,
                "unit": unit,
                "started_at": started_at.isoformat(),
                "ended_at": (started_at + timedelta(hours=self.rng.randint(1, 6))).isoformat(),
            }
            if limit is not None:
                item["limit"] = limit
                item["value"] = f"{Decimal(limit) * Decimal(self.rng.randint(110, 260)) / 100:.1f}"
            items.append(item)
        result = offsite_bulk_ingest(actor=self.platform, items=items)
        if result.errors:
            raise CommandError(f"非现场执法记录写入失败：{result.errors[:3]}")
        self.add("非现场执法记录", result.created)
        records = list(
            OffsiteRecord.objects.filter(external_id__startswith=MARKER)
            .select_related("enterprise")
            .order_by("started_at", "id")
        )
        cases = 0
        for rank, record in enumerate(reversed(records)):
            age = (self.today - record.detected_on).days
            actor, officers = self.lead(record.region_id)
            roll = self.rng.random()
            if rank < 6:
                continue  # the latest alerts still wait (待核查)
            first_day = min(record.detected_on + timedelta(days=self.rng.randint(0, 2)), self.today)
            if rank < 10:
                # Requested today: the inspections wait for the approver (入企审批).
                offsite_triage(
                    record=record,
                    actor=actor,
                    to="inspection_requested",
                    reason="超标持续时间较长，需现场核实",
                    officers=officers,
                )
                self.add("非现场转现场检查")
                continue
            if roll < 0.08:
                offsite_triage(
                    record=record,
                    actor=actor,
                    to="verifying",
                    reason="已联系企业调取运行记录",
                    on=first_day,
                )
                continue
            if 30 <= age <= 40 and cases < 2 and record.source == "online_monitoring":
                offsite_triage(
                    record=record,
                    actor=actor,
                    to="case_opened",
                    reason="超标排放事实清楚，证据确凿，转立案查处",
                    on=first_day,
                    officers=officers,
                    violations=[{"type": MAJOR, "facts": FACTS[MAJOR]}],
                )
                cases += 1
                case = PenaltyCase.objects.get(source_offsite_record=record)
                self.walk(case, "review")
                self.add("由非现场执法立案")
                continue
            if roll < 0.5:
                offsite_triage(
                    record=record,
                    actor=actor,
                    to="dismissed",
                    reason="经核实为监测设备故障或数据异常，非超标排放",
                    on=first_day,
                    dismissal_reason="device_fault" if roll < 0.3 else "false_alarm",
                )
            else:
                offsite_triage(
                    record=record,
                    actor=actor,
                    to="rectified_online",
                    reason="责令企业限期整改，线上复核",
                    on=first_day,
                    enterprise_response="已检修治理设施并恢复正常运行，上传整改照片和运行记录",
                )

    # --- penalty cases -------------------------------------------------------------------------

    def seed_cases(self) -> None:
        n = 0
        for target, how_many, young, old, options in CASE_PLAN:
            for _ in range(how_many):
                n += 1
                code = self.county()
                enterprise = self.enterprise(code, listed=False)
                actor, officers = self.lead(code)
                violation = MAJOR if options.get("major") else self.rng.choice(ORDINARY)
                if target == "no_penalty":
                    violation = MINOR
                source = self.rng.choice(("inspection", "complaint", "transfer", "other"))
                case = case_register(
                    actor=actor,
                    enterprise=enterprise,
                    source=source,
                    discovered_on=self.ago(young, old),
                    violations=[{"type": violation, "facts": FACTS[violation]}],
                    officers=officers,
                    source_reference=f"演示数据第{n}号",
                )
                self.case(case, target, options)

    def case(self, case: PenaltyCase, target: str, options: dict) -> None:
        approver = self.approver
        if target == "not_filed":
            workflow.case_transition(
                case=case,
                to="not_filed",
                actor=approver,
                on=case.discovered_on + timedelta(days=5),
                data={"reason": "经核查违法事实不成立"},
            )
        elif target == "transferred":
            case = self.walk(case, "investigating")
            workflow.case_transition(
                case=case,
                to="transferred",
                actor=approver,
                on=self.last_on(case) + timedelta(days=10),
                data={"transfer_kind": "police", "reason": "涉嫌环境污染犯罪，依法移送公安机关"},
            )
        elif target == "suspended":
            case = self.walk(case, "investigating")
            workflow.case_transition(
                case=case,
                to="suspended",
                actor=approver,
                on=self.last_on(case) + timedelta(days=7),
                data={"reason": "当事人下落不明，调查无法继续"},
            )
        elif target == "no_penalty":
            case = self.walk(case, "review")
            workflow.case_transition(
                case=case,
                to="no_penalty",
                actor=approver,
                on=self.last_on(case) + timedelta(days=3),
                data={
                    "waiver_kind": "first",
                    "reason": "初次违法且危害后果轻微并及时改正，依法不予行政处罚",
                    "first_violation": True,
                    "corrected": True,
                    "no_harm": True,
                    "commitment_letter": "当事人已签署《生态环境守法承诺书》",
                },
            )
        else:
            case = self.walk(case, target, hearing=options.get("hearing", False))
            if options.get("seal"):
                measure_record(
                    case=case,
                    kind="seal_seize",
                    on=self.last_on(case),
                    actor=approver,
                    note="查封违法排放污染物的喷涂设备",
                )
                self.add("查封扣押")
            if options.get("daily"):
                corrected = case.served_on
                reinspected = corrected + timedelta(days=10)
                measure_record(
                    case=case,
                    kind="daily_penalty",
                    on=min(reinspected + timedelta(days=3), self.today),
                    actor=approver,
                    correction_served_on=corrected,
                    reinspected_on=reinspected,
                    note="复查发现拒不改正，依法按日连续处罚",
                )
                self.add("按日连续处罚")
        self.add("行政处罚案件")

    @staticmethod
    def last_on(case: PenaltyCase) -> date:
        transition = case.transitions.order_by("-on", "-id").first()
        return transition.on if transition else case.discovered_on

    def walk(self, case: PenaltyCase, to: str, *, hearing: bool = False) -> PenaltyCase:
        """Walk ``case`` along the procedure to ``to``, each step a few days after
        the previous and never after today (the same path as the test suite's
        ``case_walk``)."""
        approver = self.approver
        case = PenaltyCase.objects.get(pk=case.pk)
        if to == "clue":
            return case

        def wanted(state):
            return PATH.index(to) >= PATH.index(state) and case.status != to

        def day(offset):
            return min(
                max(case.discovered_on + timedelta(days=offset), self.last_on(case)), self.today
            )

        def move(target, on, **data):
            nonlocal case
            if on > self.today:
                raise CommandError(f"{case} 的“{target}”日期 {on} 晚于今天（演示数据配置错误）")
            case = workflow.case_transition(case=case, to=target, actor=approver, on=on, data=data)

        if case.status == "clue" and wanted("filed"):
            move("filed", day(3))
        if case.status == "filed" and wanted("investigating"):
            move("investigating", day(4))
        if case.status == "investigating" and wanted("review"):
            move("review", day(20))
        if case.status == "review" and wanted("notified"):
            if case.recommended_fine is None:
                case_discretion_compute(case=case, actor=approver, factors=MILD_FACTORS)
                case.refresh_from_db()
            move("notified", day(25), proposed_fine=case.recommended_fine)
        if case.status == "notified" and (hearing or to == "hearing") and wanted("hearing"):
            move("hearing", add_workdays(case.notified_on, 2).day)
        if case.status == "hearing" and wanted("legal_review"):
            move("legal_review", self.last_on(case) + timedelta(days=7))
        if (
            case.status == "notified"
            and wanted("legal_review")
            and (to == "legal_review" or workflow.legal_review_required(case))
        ):
            move("legal_review", hearing_request_deadline(case).day + timedelta(days=1))
        if case.status == "legal_review" and wanted("collective_discussion"):
            if case.legal_review_on is None:
                case_event_record(
                    case=case,
                    kind="legal_review_pass",
                    actor=self.legal_reviewer,
                    on=self.last_on(case),
                    reason="事实清楚、证据确凿、程序合法、适用法律正确、裁量适当",
                )
                case.refresh_from_db()
            if workflow.collective_discussion_required(case):
                move("collective_discussion", self.last_on(case) + timedelta(days=1))
        if case.status in ("notified", "legal_review", "collective_discussion") and wanted(
            "decided"
        ):
            on = max(self.last_on(case), hearing_request_deadline(case).day) + timedelta(days=1)
            data = {"fine_amount": case.proposed_fine}
            if case.status == "collective_discussion":
                data["discussion_on"] = on
            move("decided", on, **data)
        if case.status == "decided" and wanted("served"):
            move("served", self.last_on(case) + timedelta(days=2))
        # Cases paid in time are closed from 已送达; 执行中 is for a fine overdue.
        if case.status == "served" and to == "executing":
            move("executing", case.payment_due_on + timedelta(days=1))
        if case.status in ("served", "executing") and wanted("closed"):
            paid_on = max(
                case.served_on + timedelta(days=self.rng.randint(3, 12)), self.last_on(case)
            )
            owed = case_balance(case, as_of=paid_on).fine_outstanding
            if owed:
                payment_record(
                    case=case,
                    amount=owed,
                    paid_on=paid_on,
                    actor=approver,
                    receipt_number=f"FS{paid_on:%Y%m%d}{case.pk:05d}",
                )
                self.add("罚款缴纳")
            move("closed", paid_on + timedelta(days=1), closing_reason="paid")
        if case.status == "closed" and wanted("archived"):
            move("archived", self.last_on(case) + timedelta(days=self.rng.randint(5, 20)))
        if case.status != to:
            raise CommandError(f"{case} 停在“{case.get_status_display()}”，未到达 {to}")
        return PenaltyCase.objects.get(pk=case.pk)

    # --- service visits, demands, symposiums ------------------------------------------

    def seed_visits(self) -> None:
        kinds = ("routine", "routine", "assistance", "policy", "follow_up")
        visits = []
        for _ in range(120):
            code = self.county()
            enterprise = self.enterprise(code)
            actor, officers = self.lead(code)
            officers = officers if self.rng.random() < 0.7 else [self.rng.choice(officers)]
            cards = self.rng.sample(self.cards, self.rng.randint(1, min(3, len(self.cards))))
            visit = visit_record(
                user=actor,
                enterprise=enterprise,
                kind=self.rng.choice(kinds),
                visited_on=self.ago(1, SPAN_DAYS),
                officers=officers,
                policy_cards=[(card, self.rng.randint(1, 5)) for card in cards],
                measures="宣讲环保政策，发放政策明白卡，现场指导治污设施运行管理",
            )
            visits.append(visit)
        self.visits = visits
        self.add("走访", len(visits))

        symposiums = []
        for code, name in (("131082", "三河"), ("131081", "霸州")):
            unit = Unit.objects.get(name=f"廊坊市生态环境综合执法支队{name}大队")
            actor, _ = self.lead(code)
            for topic in ("优化营商环境政企座谈会", "环保政策宣讲暨企业诉求座谈会"):
                attendees = self.rng.sample(self.enterprises[code], 8)
                symposiums.append(
                    symposium_record(
                        user=actor,
                        topic=f"{name}{topic}",
                        enterprises=sorted(attendees, key=lambda e: e.uscc),
                        host_unit=unit,
                        held_on=self.ago(20, SPAN_DAYS),
                        location=f"{name}大队会议室",
                    )
                )
        self.add("政企座谈会", len(symposiums))

        for index in range(60):
            if index % 6 == 5 and symposiums:
                symposium = self.rng.choice(symposiums)
                enterprise = self.rng.choice(list(symposium.enterprises.order_by("uscc")))
                occasion = {"symposium": symposium}
                raised_on = symposium.held_on
            else:
                visit = self.rng.choice(visits)
                enterprise = visit.enterprise
                occasion = {"visit": visit}
                raised_on = visit.visited_on
            actor, officers = self.lead(enterprise.region_id)
            category, text = self.rng.choice(DEMAND_TEXTS)
            demand = demand_raise(
                user=actor,
                enterprise=enterprise,
                category=category,
                description=text,
                owner=self.rng.choice(officers),
                **occasion,
            )
            self.add("诉求")
            age = (self.today - raised_on).days
            fate = self.rng.random()
            if age < 10 or fate < 0.15:
                continue  # open
            started = raised_on + timedelta(days=self.rng.randint(1, min(5, age)))
            demand_start(user=actor, demand=demand, on=started, note="已联系企业了解具体情况")
            if age < 40 or fate < 0.3:
                continue  # in progress
            finished = min(started + timedelta(days=self.rng.randint(3, 25)), self.today)
            if fate < 0.38:
                demand_mark_unresolvable(
                    user=actor,
                    demand=demand,
                    reason="超出生态环境部门职责范围，已告知企业向有关部门反映",
                    on=finished,
                )
            else:
                demand_resolve(
                    user=actor,
                    demand=demand,
                    resolution="已协调相关科室办理完毕，企业表示满意",
                    resolved_on=finished,
                )

    # --- feedback ---------------------------------------------------------------------

    def seed_feedback(self) -> None:
        visits = self.rng.sample(self.visits, 30)
        for index, visit in enumerate(visits):
            officer = visit.officers.order_by("id").first()
            _, raw_token, _ = feedback_link_create(actor=officer.user, visit=visit)
            if index < len(COMPLAINTS):
                feedback_submit(
                    raw_token=raw_token,
                    kind="complaint",
                    complaint_text=COMPLAINTS[index],
                    subject_officers=[officer],
                    contact="0316-5551234",
                )
                self.add("监督投诉")
            else:
                feedback_submit(
                    raw_token=raw_token,
                    kind="rating",
                    rating=self.rng.choice((5, 5, 5, 4, 4, 3)),
                    comment=self.rng.choice(RATING_COMMENTS),
                )
                self.add("服务评价")
