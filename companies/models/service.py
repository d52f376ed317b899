"""Service to enterprises (走访解促): policy cards, visits, demands, symposiums.

Every record carries the date the thing happened (``visited_on``,
``raised_on``, ``resolved_on``, ``held_on``): the half-year statistics place
records in a period by these dates, never by when a row was typed in, so each
is indexed, alone for city-wide counts and behind the region for a county's.
Visits and demands store the enterprise's region at the time of the record
(as ``PenaltyCase.region`` does), so a county's lists and counts need no join.
Writes go through ``companies.service_visits``; the database constraints
below hold whichever door a record comes through.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import Officer, Region, Unit
from companies.choices import DemandCategory, DemandStatus, VisitKind
from companies.models.registry import Enterprise

__all__ = ["Demand", "DemandTransition", "PolicyCard", "Symposium", "Visit", "VisitPolicyCard"]

OPEN_DEMAND_STATUSES = (DemandStatus.OPEN, DemandStatus.IN_PROGRESS)


class PolicyCard(models.Model):
    """政策明白卡: a one-page explanation of a policy that officers hand out on visits.

    A managed list kept by administrators. A card that is withdrawn is made
    inactive rather than deleted: past visits still name it.
    """

    code = models.SlugField("编号", max_length=32, unique=True)
    title = models.CharField("名称", max_length=100)
    summary = models.TextField("内容摘要", blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    active = models.BooleanField("在用", default=True, help_text="停用后不能再登记发放")
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "政策明白卡"
        verbose_name_plural = "政策明白卡"
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="policy_card_title")]

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    """走访: officers' service visit to an enterprise on ``visited_on``.

    Counts toward ``visits`` and ``enterprises_visited`` (distinct
    enterprises); the cards handed out (``VisitPolicyCard.quantity``) toward
    ``policy_cards``.
    """

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="visits"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="所在县（市、区）",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="登记时企业所在区划",
    )
    visited_on = models.DateField("走访日期")
    kind = models.CharField("走访类型", max_length=16, choices=VisitKind.choices)
    officers = models.ManyToManyField(Officer, verbose_name="走访人员", related_name="visits")
    policy_cards = models.ManyToManyField(
        PolicyCard,
        verbose_name="发放的政策明白卡",
        through="VisitPolicyCard",
        related_name="visits",
        blank=True,
    )
    measures = models.TextField("帮扶措施", blank=True)
    notes = models.TextField("走访情况", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "走访"
        verbose_name_plural = "走访"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["visited_on"], name="visit_visited_on"),
            models.Index(fields=["region", "visited_on"], name="visit_region_visited_on"),
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_visited_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.enterprise}"


class VisitPolicyCard(models.Model):
    """The copies of one policy card handed out on a visit (发放份数)."""

    visit = models.ForeignKey(
        Visit, verbose_name="走访", on_delete=models.CASCADE, related_name="card_rows"
    )
    card = models.ForeignKey(
        PolicyCard, verbose_name="政策明白卡", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField("发放份数", default=1)

    class Meta:
        verbose_name = "政策明白卡发放"
        verbose_name_plural = "政策明白卡发放"
        ordering = ["card__code"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "card"], name="visit_card_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="visit_card_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.card} × {self.quantity}"


class Symposium(models.Model):
    """政企座谈会: a meeting of a unit with many enterprises on ``held_on``.

    ``region`` is the county the meeting was held for (by default the host
    unit's region when it covers exactly one); empty for a city-wide meeting,
    which counts for the whole city only. Who may see it: see
    ``companies.selectors.symposium_list``.
    """

    held_on = models.DateField("召开日期")
    host_unit = models.ForeignKey(
        Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="symposiums"
    )
    topic = models.CharField("主题", max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name="所属县（市、区）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全市性座谈会",
    )
    location = models.CharField("地点", max_length=200, blank=True)
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name="参会企业", related_name="symposiums"
    )
    notes = models.TextField("会议情况", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "政企座谈会"
        verbose_name_plural = "政企座谈会"
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["held_on"], name="symposium_held_on"),
            models.Index(fields=["region", "held_on"], name="symposium_region_held_on"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(topic=""), name="symposium_topic")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class Demand(models.Model):
    """诉求 / 问题: an enterprise's demand, followed until resolved or found unresolvable.

    Raised at a visit, at a symposium, or directly (neither). Its status
    moves only through ``companies.service_visits.demand_transition``:
    待办理 → 办理中 → 已解决 | 无法解决 (and straight from 待办理 to either
    end). ``overdue`` is stored so lists can filter on it; the daily beat job
    (``companies.tasks.flag_overdue_demands``) keeps it true for open demands
    past ``due_on``. Counts toward ``demands_raised`` by ``raised_on`` and
    ``demands_resolved`` by ``resolved_on``.
    """

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="demands"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="所在县（市、区）",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="登记时企业所在区划",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="提出于走访",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    symposium = models.ForeignKey(
        Symposium,
        verbose_name="提出于座谈会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    raised_on = models.DateField("提出日期")
    category = models.CharField("诉求类别", max_length=16, choices=DemandCategory.choices)
    description = models.TextField("诉求内容")
    owner = models.ForeignKey(
        Officer, verbose_name="责任人", on_delete=models.PROTECT, related_name="demands"
    )
    due_on = models.DateField("办理期限")
    status = models.CharField(
        "办理状态", max_length=16, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    overdue = models.BooleanField("已逾期", default=False, editable=False)
    started_on = models.DateField("开始办理日期", null=True, blank=True, editable=False)
    resolved_on = models.DateField("解决日期", null=True, blank=True, editable=False)
    resolution = models.TextField("解决情况", blank=True, editable=False)
    unresolvable_on = models.DateField("认定日期", null=True, blank=True, editable=False)
    unresolvable_reason = models.TextField("无法解决的原因", blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["raised_on"], name="demand_raised_on"),
            models.Index(fields=["region", "raised_on"], name="demand_region_raised_on"),
            models.Index(
                fields=["resolved_on"],
                condition=Q(resolved_on__isnull=False),
                name="demand_resolved_on",
            ),
            models.Index(
                fields=["region", "resolved_on"],
                condition=Q(resolved_on__isnull=False),
                name="demand_region_resolved_on",
            ),
            models.Index(fields=["region", "status"], name="demand_region_status"),
            # The overdue job reads open demands by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(status__in=OPEN_DEMAND_STATUSES),
                name="demand_open_due_on",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=True) | Q(symposium__isnull=True),
                name="demand_one_occasion",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DemandStatus.values), name="demand_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=DemandCategory.values), name="demand_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("raised_on")), name="demand_due_after_raised"
            ),
            models.CheckConstraint(
                condition=Q(status=DemandStatus.OPEN, started_on__isnull=True)
                | Q(status=DemandStatus.IN_PROGRESS, started_on__isnull=False)
                | Q(status__in=[DemandStatus.RESOLVED, DemandStatus.UNRESOLVABLE]),
                name="demand_started_on_status",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("raised_on")),
                name="demand_started_after_raised",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=DemandStatus.RESOLVED, resolved_on__isnull=False) & ~Q(resolution="")
                )
                | (~Q(status=DemandStatus.RESOLVED) & Q(resolved_on__isnull=True, resolution="")),
                name="demand_resolved_iff_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=DemandStatus.UNRESOLVABLE, unresolvable_on__isnull=False)
                    & ~Q(unresolvable_reason="")
                )
                | (
                    ~Q(status=DemandStatus.UNRESOLVABLE)
                    & Q(unresolvable_on__isnull=True, unresolvable_reason="")
                ),
                name="demand_unresolvable_iff_status",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True)
                | (
                    Q(resolved_on__gte=F("raised_on"))
                    & (Q(started_on__isnull=True) | Q(resolved_on__gte=F("started_on")))
                ),
                name="demand_resolved_after_raised",
            ),
            models.CheckConstraint(
                condition=Q(unresolvable_on__isnull=True)
                | (
                    Q(unresolvable_on__gte=F("raised_on"))
                    & (Q(started_on__isnull=True) | Q(unresolvable_on__gte=F("started_on")))
                ),
                name="demand_unresolvable_after_raised",
            ),
            models.CheckConstraint(
                condition=Q(overdue=False) | Q(status__in=OPEN_DEMAND_STATUSES),
                name="demand_overdue_only_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}：{self.description[:30]}"

    @property
    def raised_at(self) -> str:
        """Where the demand was raised, in words: 走访, 座谈会 or 直接提出."""
        if self.visit_id:
            return "走访"
        if self.symposium_id:
            return "座谈会"
        return "直接提出"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEMAND_STATUSES


class DemandTransition(models.Model):
    """One status move of a demand: who, effective when, from, to, why."""

    demand = models.ForeignKey(
        Demand, verbose_name="诉求", on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField("原状态", max_length=16, choices=DemandStatus.choices)
    to_status = models.CharField("新状态", max_length=16, choices=DemandStatus.choices)
    on = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "诉求办理记录"
        verbose_name_plural = "诉求办理记录"
        ordering = ["demand", "on", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}（{self.on}）"
