"""Writes to accounts: regions, units and officers."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from accounts.choices import RegionLevel
from accounts.models import Officer, Region, Unit
from accounts.roles import ROLE_GROUP_NAMES, STAFF_ROLES, Role
from accounts.selectors import visible_region_codes
from ecoenforce.errors import DomainError, ErrorItem, Forbidden, ValidationFailed

User = get_user_model()
# "Not given" for fields where None is a value (clearing the unit or the date).
UNSET = object()


@transaction.atomic
def region_upsert(*, code: str, name: str, level: str, parent: Region | None) -> Region:
    """Create, rename or move a region; its path and its descendants' paths follow the parent."""
    if parent is not None and code in parent.path.split("/"):
        raise DomainError(
            f"行政区划 {code} 不能以自身或其下级 {parent.code} 为上级",
            code="region_cycle",
            field="parent",
        )
    path = f"{parent.path if parent else ''}{code}/"
    old_path = Region.objects.filter(code=code).values_list("path", flat=True).first()
    region, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "path": path}
    )
    if old_path and old_path != path:
        # Moved: every region below keeps its place under the new path.
        Region.objects.filter(path__startswith=old_path).exclude(code=code).update(
            path=Concat(Value(path), Substr("path", len(old_path) + 1))
        )
    return region


def regions_from_codes(codes: list[str], *, field: str = "regions") -> list[Region]:
    codes = [str(code).strip() for code in codes]
    found = {region.code: region for region in Region.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationFailed(
            [ErrorItem(field, "unknown_region", f"行政区划代码 {code} 不存在") for code in missing]
        )
    return [found[code] for code in codes]


def _check_roles(roles: list[str]) -> list[Role]:
    bad = [role for role in roles if role not in Role.values]
    if bad:
        raise ValidationFailed(
            [
                ErrorItem(
                    "roles",
                    "unknown_role",
                    f"角色 {role} 不存在，可选：{', '.join(Role.values)}",
                )
                for role in bad
            ]
        )
    return [Role(role) for role in roles]


@transaction.atomic
def officer_create(
    *,
    username: str,
    password: str,
    name: str,
    roles: list[str],
    badge_number: str | None = None,
    unit: Unit | None = None,
    certificate_valid_until: date | None = None,
    region_codes: list[str] | None = None,
    phone: str = "",
    actor=None,
) -> Officer:
    """Create a login with its officer profile, role groups and region scope.
    ``actor`` (the administrator at the door) may give only regions of their
    own scope."""
    _ensure_scope_within(actor, region_codes=region_codes, unit=unit)
    errors: list[ErrorItem] = []
    if not password:
        errors.append(ErrorItem("password", "required", "请设置密码"))
    role_values = _check_roles(roles)
    if User.objects.filter(username=username).exists():
        errors.append(ErrorItem("username", "duplicate", f"用户名 {username} 已被使用"))
    badge_number = (badge_number or "").strip() or None
    if badge_number and Officer.objects.filter(badge_number=badge_number).exists():
        errors.append(ErrorItem("badge_number", "duplicate", f"执法证号 {badge_number} 已存在"))
    field_roles = {Role.INSPECTOR, Role.LEGAL_REVIEWER, Role.APPROVER}
    if not badge_number and field_roles.intersection(role_values):
        errors.append(
            ErrorItem("badge_number", "required", "执法人员、法制审核和负责人须填写执法证号")
        )
    try:
        if password:
            validate_password(password, User(username=username))
    except DjangoValidationError as exc:
        errors.extend(ErrorItem("password", "weak_password", str(m)) for m in exc.messages)
    regions = regions_from_codes(region_codes or []) if region_codes else []
    if errors:
        raise ValidationFailed(errors)

    user = User(username=username, is_staff=bool(STAFF_ROLES.intersection(role_values)))
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=[ROLE_GROUP_NAMES[r] for r in role_values]))
    officer = Officer.objects.create(
        user=user,
        name=name,
        badge_number=badge_number,
        unit=unit,
        certificate_valid_until=certificate_valid_until,
        phone=phone,
    )
    officer.regions.set(regions)
    return officer


@transaction.atomic
def officer_update(
    *,
    officer: Officer,
    name: str | None = None,
    roles: list[str] | None = None,
    badge_number: str | None = None,
    unit: Unit | object | None = UNSET,
    certificate_valid_until: date | object | None = UNSET,
    region_codes: list[str] | None = None,
    phone: str | None = None,
    is_active: bool | None = None,
    actor=None,
) -> Officer:
    """Change an officer's profile, roles or scope.

    ``None`` leaves a field as is, except ``unit`` and
    ``certificate_valid_until``, which ``None`` clears and ``UNSET`` (the
    default) leaves as is. ``actor`` (the administrator at the door) may give
    only regions of their own scope.
    """
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    if region_codes is not None or unit is not UNSET:
        _ensure_scope_within(
            actor,
            region_codes=(
                region_codes
                if region_codes is not None
                else list(officer.regions.values_list("code", flat=True))
            ),
            unit=officer.unit if unit is UNSET else unit,
        )
    if badge_number is not None:
        badge_number = badge_number.strip() or None
        if (
            badge_number
            and Officer.objects.filter(badge_number=badge_number).exclude(pk=officer.pk).exists()
        ):
            raise ValidationFailed(
                [ErrorItem("badge_number", "duplicate", f"执法证号 {badge_number} 已存在")]
            )
        officer.badge_number = badge_number
    for attr, value in (("name", name), ("phone", phone)):
        if value is not None:
            setattr(officer, attr, value)
    for attr, value in (("unit", unit), ("certificate_valid_until", certificate_valid_until)):
        if value is not UNSET:
            setattr(officer, attr, value)
    officer.save()
    user = officer.user
    if roles is not None:
        role_values = _check_roles(roles)
        user.groups.set(Group.objects.filter(name__in=[ROLE_GROUP_NAMES[r] for r in role_values]))
        user.is_staff = bool(STAFF_ROLES.intersection(role_values))
    if is_active is not None:
        user.is_active = is_active
    user.save()
    if region_codes is not None:
        officer.regions.set(regions_from_codes(region_codes))
    return officer


def _ensure_scope_within(actor, *, region_codes, unit) -> None:
    """A county-scoped administrator gives an officer only regions of their
    own scope, and never none at all (an officer without regions or unit
    regions sees the whole city)."""
    if actor is None:
        return
    codes = visible_region_codes(actor)
    if codes is None:
        return
    chosen = set(region_codes or [])
    if unit is not None:
        chosen |= set(unit.regions.values_list("code", flat=True))
    if not chosen or not chosen <= codes:
        raise Forbidden(
            "只能为本辖区内的行政区划设置执法人员（须指定行政区划或所属单位）",
            code="outside_scope",
            field="regions",
        )


def county_regions_of(city_code: str) -> list[Region]:
    return list(Region.objects.filter(parent_id=city_code, level=RegionLevel.COUNTY))
