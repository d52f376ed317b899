"""Writes for the service to enterprises (走访解促): visits, demands, symposiums, cards.

The admin, the API and the Celery task all come through these functions, so
the rules below hold whichever door a record comes through:

- every date is the day the thing happened, defaulting to today, never in
  the future, never before the record it follows (a demand is not resolved
  before it was raised, nor raised before the visit it was raised at);
- the enterprise lies in the user's regions; so do the officers named on a
  visit or as a demand's owner (their own scope covers the enterprise);
- a demand's status moves only through ``demand_transition`` and its table
  ``DEMAND_TRANSITIONS``, locking the row and writing a history row;
- nothing is written when anything is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from accounts.models import Officer, Region, Unit
from accounts.selectors import officer_of, region_visible, visible_region_codes
from companies.choices import DemandCategory, DemandStatus, VisitKind
from companies.models import (
    Demand,
    DemandTransition,
    Enterprise,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)
from ecoenforce.errors import ConflictError, DomainError, ErrorItem, Forbidden, ValidationFailed

S = DemandStatus

# A demand without a due date given is due this many days after it was raised.
DEMAND_DUE_DAYS = 30

OPEN_STATUSES = frozenset({S.OPEN, S.IN_PROGRESS})
TERMINAL_STATUSES = frozenset({S.RESOLVED, S.UNRESOLVABLE})

# The one table of legal demand moves: (from, to) → the step's name. A demand
# may be closed straight from 待办理: many are answered on the spot at the
# visit (a policy question, a form to fill), and one outside the bureau's
# powers is found unresolvable at once. Closed demands stay closed: a problem
# that comes back is a new demand with its own dates, so the half-year counts
# of demands resolved never change after the fact.
DEMAND_TRANSITIONS: dict[tuple[DemandStatus, DemandStatus], str] = {
    (S.OPEN, S.IN_PROGRESS): "开始办理",
    (S.OPEN, S.RESOLVED): "办结（已解决）",
    (S.OPEN, S.UNRESOLVABLE): "认定无法解决",
    (S.IN_PROGRESS, S.RESOLVED): "办结（已解决）",
    (S.IN_PROGRESS, S.UNRESOLVABLE): "认定无法解决",
}

VISIT_FIELDS = ("visited_on", "kind", "officers", "policy_cards", "measures", "notes")
DEMAND_FIELDS = ("category", "description", "owner", "due_on")
SYMPOSIUM_FIELDS = (
    "held_on",
    "host_unit",
    "topic",
    "region",
    "location",
    "enterprises",
    "notes",
)
POLICY_CARD_FIELDS = ("code", "title", "summary", "issued_on", "active")


class RecordNotFound(DomainError):
    """Absent or outside the user's regions: one answer for both (API.md: 404)."""

    status = 404
    default_code = "not_found"


@dataclass(frozen=True)
class CardHandout:
    """Copies of one policy card handed out on a visit."""

    card: PolicyCard
    quantity: int = 1


# --- shared checks -----------------------------------------------------------------


def _check_date(
    value: date,
    *,
    field: str,
    label: str,
    not_before: date | None = None,
    before_label: str = "",
) -> date:
    """The day something happened: not in the future, not before what it follows."""
    if value > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天", code="future_date", field=field)
    if not_before is not None and value < not_before:
        raise DomainError(
            f"{label} {value} 早于{before_label} {not_before}",
            code="before_previous_step",
            field=field,
        )
    return value


def _check_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, code="required", field=field)
    return text


def _check_choice(value, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise DomainError(f"{label}不正确：{value}", code="invalid_choice", field=field)
    return value


def _check_enterprise(user, enterprise: Enterprise, *, field: str = "enterprise") -> None:
    if not region_visible(user, enterprise.region_id):
        raise DomainError(
            f"{enterprise.name} 不在您的管辖范围内", code="region_out_of_scope", field=field
        )


def _check_officers(officers: Iterable[Officer], region_code: str, *, field: str) -> list:
    """Each officer is active and may act in the region (their own scope covers it)."""
    officers = list(dict.fromkeys(officers))
    if not officers:
        raise DomainError("请至少选择一名人员", code="required", field=field)
    inactive = [officer.name for officer in officers if not officer.user.is_active]
    if inactive:
        raise DomainError(
            f"以下人员账号已停用：{'、'.join(inactive)}", code="officer_inactive", field=field
        )
    outside = [
        officer.name for officer in officers if not region_visible(officer.user, region_code)
    ]
    if outside:
        raise DomainError(
            f"以下人员不负责该企业所在区划：{'、'.join(outside)}",
            code="officer_out_of_scope",
            field=field,
        )
    return officers


def _default_officer(user, *, field: str) -> Officer:
    officer = officer_of(user)
    if officer is None:
        raise DomainError("请选择人员", code="required", field=field)
    return officer


def _check_cards(handouts: Iterable) -> list[CardHandout]:
    """Active cards, each once, at least one copy each.

    Accepts ``CardHandout``s, ``(card, quantity)`` pairs or
    ``{"card": card, "quantity": n}`` dicts (the API's shape).
    """
    rows: list[CardHandout] = []
    errors: list[ErrorItem] = []
    seen: set[int] = set()
    for index, item in enumerate(handouts or ()):
        if isinstance(item, CardHandout):
            card, quantity = item.card, item.quantity
        elif isinstance(item, dict):
            card, quantity = item.get("card"), item.get("quantity", 1)
        else:
            card, quantity = item
        prefix = f"policy_cards.{index}"
        if not isinstance(card, PolicyCard):
            errors.append(ErrorItem(f"{prefix}.card", "required", "请选择政策明白卡"))
            continue
        if not card.active:
            errors.append(
                ErrorItem(f"{prefix}.card", "card_inactive", f"“{card.title}”已停用，不能再发放")
            )
        if card.pk in seen:
            errors.append(
                ErrorItem(f"{prefix}.card", "duplicate_card", f"“{card.title}”重复登记，请合并份数")
            )
        seen.add(card.pk)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors.append(ErrorItem(f"{prefix}.quantity", "invalid_quantity", "发放份数至少为 1"))
            continue
        rows.append(CardHandout(card, quantity))
    if errors:
        raise ValidationFailed(errors)
    return rows


def _locked(model, pk: int, user, region_field: str = "region_id"):
    """The row, locked for this transaction, or 404 when outside the user's regions."""
    try:
        obj = model.objects.select_for_update().get(pk=pk)
    except model.DoesNotExist:
        raise RecordNotFound("记录不存在或不在您的管辖范围内") from None
    if not region_visible(user, getattr(obj, region_field)):
        raise RecordNotFound("记录不存在或不在您的管辖范围内")
    return obj


# --- visits ------------------------------------------------------------------------


def _validate_visit(visit: Visit, *, officers, policy_cards) -> tuple[list, list]:
    _check_date(visit.visited_on, field="visited_on", label="走访日期")
    _check_choice(visit.kind, VisitKind, field="kind", label="走访类型")
    officers = _check_officers(officers, visit.region_id, field="officers")
    cards = _check_cards(policy_cards)
    return officers, cards


def _save_cards(visit: Visit, cards: list[CardHandout]) -> None:
    visit.card_rows.all().delete()
    VisitPolicyCard.objects.bulk_create(
        VisitPolicyCard(visit=visit, card=row.card, quantity=row.quantity) for row in cards
    )


@transaction.atomic
def visit_record(
    *,
    user,
    enterprise: Enterprise,
    kind: str,
    visited_on: date | None = None,
    officers: Iterable[Officer] | None = None,
    policy_cards: Iterable = (),
    measures: str = "",
    notes: str = "",
) -> Visit:
    """Record a service visit (走访) to an enterprise of the user's regions.

    ``officers`` default to the user's own officer profile; ``policy_cards``
    are the cards handed out with their copies (``CardHandout`` or
    ``{"card", "quantity"}``).
    """
    _check_enterprise(user, enterprise)
    if not officers:
        officers = [_default_officer(user, field="officers")]
    visit = Visit(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        visited_on=visited_on or timezone.localdate(),
        kind=kind,
        measures=(measures or "").strip(),
        notes=(notes or "").strip(),
        created_by=user,
    )
    officers, cards = _validate_visit(visit, officers=officers, policy_cards=policy_cards)
    visit.save()
    visit.officers.set(officers)
    _save_cards(visit, cards)
    return visit


@transaction.atomic
def visit_update(*, user, visit: Visit, **fields) -> Visit:
    """Correct a visit. The enterprise stays: a visit recorded at the wrong
    enterprise is a different visit."""
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise DomainError(f"不能修改的字段：{'、'.join(sorted(unknown))}", code="unknown_field")
    visit = _locked(Visit, visit.pk, user)
    for name in ("visited_on", "kind"):
        if fields.get(name) is not None:
            setattr(visit, name, fields[name])
    for name in ("measures", "notes"):
        if name in fields:
            setattr(visit, name, (fields[name] or "").strip())
    officers = fields.get("officers")
    officers = list(visit.officers.all()) if officers is None else officers
    # Without new handouts the visit keeps its cards, withdrawn ones included;
    # a new list replaces them and may name active cards only.
    new_cards = fields.get("policy_cards")
    officers, cards = _validate_visit(visit, officers=officers, policy_cards=new_cards or ())
    earliest = visit.demands.aggregate(first=Min("raised_on"))["first"]
    if earliest is not None and visit.visited_on > earliest:
        raise DomainError(
            f"走访时提出的诉求日期为 {earliest}，走访日期不能晚于该日",
            code="after_demand",
            field="visited_on",
        )
    visit.save()
    visit.officers.set(officers)
    if new_cards is not None:
        _save_cards(visit, cards)
    return visit


# --- demands -----------------------------------------------------------------------


def _check_owner(owner: Officer, region_code: str) -> Officer:
    return _check_officers([owner], region_code, field="owner")[0]


def _check_due(due_on: date, raised_on: date) -> date:
    if due_on < raised_on:
        raise DomainError(
            f"办理期限 {due_on} 早于提出日期 {raised_on}", code="due_before_raised", field="due_on"
        )
    return due_on


@transaction.atomic
def demand_raise(
    *,
    user,
    enterprise: Enterprise,
    category: str,
    description: str,
    raised_on: date | None = None,
    visit: Visit | None = None,
    symposium: Symposium | None = None,
    owner: Officer | None = None,
    due_on: date | None = None,
) -> Demand:
    """Record a demand (诉求) of an enterprise of the user's regions.

    Raised at ``visit`` (of the same enterprise), at ``symposium`` (which the
    enterprise attended), or directly (neither). ``raised_on`` defaults to
    the occasion's date, else today; ``owner`` to the user's officer profile;
    ``due_on`` to ``DEMAND_DUE_DAYS`` after it was raised.
    """
    _check_enterprise(user, enterprise)
    if visit is not None and symposium is not None:
        raise DomainError(
            "诉求只能提出于一次走访或一次座谈会，不能同时选择", code="one_occasion", field="visit"
        )
    occasion_on, occasion_label = None, ""
    if visit is not None:
        if visit.enterprise_id != enterprise.pk:
            raise DomainError(
                "所选走访不是对该企业的走访", code="visit_enterprise_mismatch", field="visit"
            )
        occasion_on, occasion_label = visit.visited_on, "走访日期"
    if symposium is not None:
        if not symposium.enterprises.filter(pk=enterprise.pk).exists():
            raise DomainError(
                f"{enterprise.name} 未参加该座谈会", code="not_attending", field="symposium"
            )
        occasion_on, occasion_label = symposium.held_on, "座谈会日期"
    raised_on = raised_on or occasion_on or timezone.localdate()
    _check_date(
        raised_on,
        field="raised_on",
        label="提出日期",
        not_before=occasion_on,
        before_label=occasion_label,
    )
    _check_choice(category, DemandCategory, field="category", label="诉求类别")
    description = _check_text(description, field="description", message="请填写诉求内容")
    owner = _check_owner(owner or _default_officer(user, field="owner"), enterprise.region_id)
    due_on = _check_due(due_on or raised_on + timedelta(days=DEMAND_DUE_DAYS), raised_on)
    return Demand.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        visit=visit,
        symposium=symposium,
        raised_on=raised_on,
        category=category,
        description=description,
        owner=owner,
        due_on=due_on,
        overdue=due_on < timezone.localdate(),
        created_by=user,
    )


@transaction.atomic
def demand_update(*, user, demand: Demand, **fields) -> Demand:
    """Change an open demand's category, description, owner or due date."""
    unknown = set(fields) - set(DEMAND_FIELDS)
    if unknown:
        raise DomainError(f"不能修改的字段：{'、'.join(sorted(unknown))}", code="unknown_field")
    demand = _locked(Demand, demand.pk, user)
    if demand.status in TERMINAL_STATUSES:
        raise ConflictError(
            f"诉求已“{demand.get_status_display()}”，不能再修改", code="demand_closed"
        )
    if fields.get("category") is not None:
        demand.category = _check_choice(
            fields["category"], DemandCategory, field="category", label="诉求类别"
        )
    if "description" in fields:
        demand.description = _check_text(
            fields["description"], field="description", message="请填写诉求内容"
        )
    if fields.get("owner") is not None:
        demand.owner = _check_owner(fields["owner"], demand.region_id)
    if fields.get("due_on") is not None:
        demand.due_on = _check_due(fields["due_on"], demand.raised_on)
        demand.overdue = demand.due_on < timezone.localdate()
    demand.save()
    return demand


def allowed_demand_transitions(demand: Demand) -> list[str]:
    """The states ``demand`` may move to now, in the table's order."""
    return [target for (source, target) in DEMAND_TRANSITIONS if source == demand.status]


def _to_in_progress(demand: Demand, on: date, data: dict) -> str:
    demand.started_on = on
    return data.get("note", "")


def _to_resolved(demand: Demand, on: date, data: dict) -> str:
    demand.resolution = _check_text(
        data.get("resolution"), field="resolution", message="请填写解决情况"
    )
    demand.resolved_on = on
    return demand.resolution


def _to_unresolvable(demand: Demand, on: date, data: dict) -> str:
    demand.unresolvable_reason = _check_text(
        data.get("reason"), field="reason", message="请填写无法解决的原因"
    )
    demand.unresolvable_on = on
    return demand.unresolvable_reason


HANDLERS = {
    S.IN_PROGRESS: _to_in_progress,
    S.RESOLVED: _to_resolved,
    S.UNRESOLVABLE: _to_unresolvable,
}
DATE_FIELDS = {S.IN_PROGRESS: "on", S.RESOLVED: "resolved_on", S.UNRESOLVABLE: "on"}


@transaction.atomic
def demand_transition(
    *,
    user,
    demand: Demand,
    to: str,
    on: date | None = None,
    note: str = "",
    resolution: str = "",
    reason: str = "",
) -> Demand:
    """Move ``demand`` to ``to`` effective ``on`` (default today).

    Locks the row, so two officers closing the same demand queue here and
    the second sees the first's result; a move the table does not allow is
    refused with 409 naming both states; moving to the state it is in is a
    no-op. Writes the history row in the same transaction.
    """
    if to not in S.values:
        raise DomainError(f"未知状态：{to}", code="invalid_choice", field="to")
    target = S(to)
    demand = _locked(Demand, demand.pk, user)
    current = S(demand.status)
    if current == target:
        return demand
    if (current, target) not in DEMAND_TRANSITIONS:
        raise ConflictError(
            f"诉求不能从“{current.label}”变更为“{target.label}”", code="illegal_transition"
        )
    on = on or timezone.localdate()
    after, after_label = demand.raised_on, "提出日期"
    if demand.started_on is not None and demand.started_on > after:
        after, after_label = demand.started_on, "开始办理日期"
    label = {S.IN_PROGRESS: "开始办理日期", S.RESOLVED: "解决日期"}.get(target, "认定日期")
    _check_date(
        on, field=DATE_FIELDS[target], label=label, not_before=after, before_label=after_label
    )
    why = HANDLERS[target](demand, on, {"note": note, "resolution": resolution, "reason": reason})
    demand.status = target
    if target in TERMINAL_STATUSES:
        demand.overdue = False
    demand.save()
    DemandTransition.objects.create(
        demand=demand,
        from_status=current,
        to_status=target,
        on=on,
        actor=user,
        note=(note or "").strip() if target == S.IN_PROGRESS else why,
    )
    return demand


def demand_start(*, user, demand: Demand, on: date | None = None, note: str = "") -> Demand:
    """开始办理: the owner has taken the demand up."""
    return demand_transition(user=user, demand=demand, to=S.IN_PROGRESS, on=on, note=note)


def demand_resolve(
    *, user, demand: Demand, resolution: str, resolved_on: date | None = None
) -> Demand:
    """办结: the demand is resolved on ``resolved_on`` (default today), as ``resolution`` says."""
    return demand_transition(
        user=user, demand=demand, to=S.RESOLVED, on=resolved_on, resolution=resolution
    )


def demand_mark_unresolvable(
    *, user, demand: Demand, reason: str, on: date | None = None
) -> Demand:
    """认定无法解决, with the reason (required) given to the enterprise."""
    return demand_transition(user=user, demand=demand, to=S.UNRESOLVABLE, on=on, reason=reason)


def demands_flag_overdue(*, today: date | None = None) -> dict:
    """Flag open demands past their due date as overdue, and clear the rest.

    A demand is overdue from the day after ``due_on``. Two UPDATEs; each row
    is re-checked under its lock, so a demand closed meanwhile is not
    flagged. ``updated_at`` moves with the flag so reporting clients pulling
    by ``updated_since`` see it. Safe to run twice.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    flagged = Demand.objects.filter(
        status__in=OPEN_STATUSES, due_on__lt=today, overdue=False
    ).update(overdue=True, updated_at=now)
    cleared = (
        Demand.objects.filter(overdue=True)
        .exclude(status__in=OPEN_STATUSES, due_on__lt=today)
        .update(overdue=False, updated_at=now)
    )
    overdue = Demand.objects.filter(overdue=True).count()
    return {"today": today.isoformat(), "flagged": flagged, "cleared": cleared, "overdue": overdue}


# --- symposiums --------------------------------------------------------------------


def unit_in_reach(user, unit: Unit) -> bool:
    """A user records meetings of their own unit, or of a unit whose regions all
    lie in their scope; city-level staff of any unit."""
    codes = visible_region_codes(user)
    if codes is None:
        return True
    officer = officer_of(user)
    if officer is not None and officer.unit_id == unit.pk:
        return True
    unit_codes = {region.code for region in unit.regions.all()}
    return bool(unit_codes) and unit_codes <= codes


def _validate_symposium(user, symposium: Symposium, enterprises: list[Enterprise]) -> None:
    _check_date(symposium.held_on, field="held_on", label="召开日期")
    symposium.topic = _check_text(symposium.topic, field="topic", message="请填写座谈会主题")
    if not unit_in_reach(user, symposium.host_unit):
        raise DomainError(
            f"您不能登记{symposium.host_unit.name}主办的座谈会",
            code="unit_out_of_scope",
            field="host_unit",
        )
    if symposium.region_id is not None and not region_visible(user, symposium.region_id):
        raise DomainError(
            f"{symposium.region.name} 不在您的管辖范围内",
            code="region_out_of_scope",
            field="region",
        )
    if not enterprises:
        raise DomainError("请选择参会企业", code="required", field="enterprises")
    outside = [e.name for e in enterprises if not region_visible(user, e.region_id)]
    if outside:
        raise DomainError(
            f"以下企业不在您的管辖范围内：{'、'.join(outside)}",
            code="region_out_of_scope",
            field="enterprises",
        )


def _default_region(unit: Unit) -> Region | None:
    regions = list(unit.regions.all()[:2])
    return regions[0] if len(regions) == 1 else None


@transaction.atomic
def symposium_record(
    *,
    user,
    topic: str,
    enterprises: Iterable[Enterprise],
    host_unit: Unit | None = None,
    held_on: date | None = None,
    region: Region | None = None,
    location: str = "",
    notes: str = "",
) -> Symposium:
    """Record a political-business symposium (政企座谈会) and who attended.

    ``host_unit`` defaults to the user's unit; ``region`` to the host unit's
    region when the unit covers exactly one, else the meeting is city-wide.
    Demands raised there are recorded with ``demand_raise(symposium=…)``.
    """
    enterprises = list(dict.fromkeys(enterprises))
    if host_unit is None:
        officer = officer_of(user)
        host_unit = officer.unit if officer is not None else None
        if host_unit is None:
            raise DomainError("请选择主办单位", code="required", field="host_unit")
    symposium = Symposium(
        held_on=held_on or timezone.localdate(),
        host_unit=host_unit,
        topic=topic,
        region=region if region is not None else _default_region(host_unit),
        location=(location or "").strip(),
        notes=(notes or "").strip(),
        created_by=user,
    )
    _validate_symposium(user, symposium, enterprises)
    symposium.save()
    symposium.enterprises.set(enterprises)
    return symposium


@transaction.atomic
def symposium_update(*, user, symposium: Symposium, **fields) -> Symposium:
    """Correct a symposium; its host unit must be within the user's reach."""
    from companies.selectors import symposium_list

    unknown = set(fields) - set(SYMPOSIUM_FIELDS)
    if unknown:
        raise DomainError(f"不能修改的字段：{'、'.join(sorted(unknown))}", code="unknown_field")
    if not symposium_list(user=user).filter(pk=symposium.pk).exists():
        raise RecordNotFound("记录不存在或不在您的管辖范围内")
    symposium = Symposium.objects.select_for_update().get(pk=symposium.pk)
    if not unit_in_reach(user, symposium.host_unit):
        # Seen through an attending enterprise; the meeting is another unit's record.
        raise Forbidden(
            f"座谈会由{symposium.host_unit.name}主办，您不能修改", code="unit_out_of_scope"
        )
    for name in ("held_on", "host_unit", "topic"):
        if fields.get(name) is not None:
            setattr(symposium, name, fields[name])
    if "region" in fields:
        symposium.region = fields["region"]
    for name in ("location", "notes"):
        if name in fields:
            setattr(symposium, name, (fields[name] or "").strip())
    enterprises = fields.get("enterprises")
    enterprises = (
        list(symposium.enterprises.all())
        if enterprises is None
        else list(dict.fromkeys(enterprises))
    )
    _validate_symposium(user, symposium, enterprises)
    raised = symposium.demands.values_list("enterprise_id", "raised_on")
    kept = {enterprise.pk for enterprise in enterprises}
    for enterprise_id, raised_on in raised:
        if enterprise_id not in kept:
            raise DomainError(
                "已在座谈会上提出诉求的企业不能从参会企业中移除",
                code="enterprise_has_demands",
                field="enterprises",
            )
        if raised_on < symposium.held_on:
            raise DomainError(
                f"座谈会上提出的诉求日期为 {raised_on}，召开日期不能晚于该日",
                code="after_demand",
                field="held_on",
            )
    symposium.save()
    symposium.enterprises.set(enterprises)
    return symposium


# --- policy cards ------------------------------------------------------------------


def _save_card(card: PolicyCard) -> PolicyCard:
    card.title = (card.title or "").strip()
    try:
        card.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    card.save()
    return card


@transaction.atomic
def policy_card_create(*, user, **fields) -> PolicyCard:
    """Add a card to the managed list (administrators, in the admin)."""
    unknown = set(fields) - set(POLICY_CARD_FIELDS)
    if unknown:
        raise DomainError(f"未知字段：{'、'.join(sorted(unknown))}", code="unknown_field")
    return _save_card(PolicyCard(**fields))


@transaction.atomic
def policy_card_update(*, user, card: PolicyCard, **fields) -> PolicyCard:
    """Edit a card, or withdraw it (``active=False``): visits that handed it out keep it."""
    unknown = set(fields) - set(POLICY_CARD_FIELDS)
    if unknown:
        raise DomainError(f"未知字段：{'、'.join(sorted(unknown))}", code="unknown_field")
    card = PolicyCard.objects.select_for_update().get(pk=card.pk)
    for name, value in fields.items():
        setattr(card, name, value)
    return _save_card(card)
