"""Writes to the enterprise registry."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.selectors import region_visible
from companies.models import Enterprise, PositiveListEntry
from companies.validators import normalize_uscc
from ecoenforce.errors import ConflictError, DomainError, ValidationFailed

# Fields a user may set on an enterprise; on_positive_list follows the
# positive-list entries and is never written directly.
ENTERPRISE_FIELDS = (
    "uscc",
    "uscc_legacy_reason",
    "name",
    "region",
    "address",
    "industry",
    "legal_representative",
    "contact_phone",
    "permit_category",
    "permit_number",
    "performance_grade",
    "key_discharge_unit",
    "key_soil_pollution_unit",
    "vocs_related",
    "hazardous_waste_producer",
    "latitude",
    "longitude",
    "status",
)


def check_region_is_county(*, region: Region, field: str = "region") -> None:
    """Enterprises are registered in a county-level region, never a city or province."""
    if region.level != RegionLevel.COUNTY:
        raise DomainError(
            f"企业应登记在县级行政区划，{region.name} 不是县级区划",
            code="region_not_county",
            field=field,
        )


def check_region_in_scope(*, user, region: Region, field: str = "region") -> None:
    """An officer records enterprises only in a county-level region of their scope."""
    check_region_is_county(region=region, field=field)
    if not region_visible(user, region.code):
        raise DomainError(
            f"{region.name} 不在您的管辖范围内", code="region_out_of_scope", field=field
        )


def enterprise_validate_row(enterprise: Enterprise, *, relations_loaded: bool = False) -> None:
    """The single-row rules: field formats and choices, then ``Enterprise.clean()``.

    Uniqueness and the database constraints are left out: the callers check
    the USCC against the table themselves (one query per row here, one per
    batch in the import). With ``relations_loaded`` the region and industry
    came from the database already (the import's prefetched dicts), so
    Django's per-row existence query for each foreign key is skipped.
    """
    exclude = ["region", "industry"] if relations_loaded else None
    try:
        enterprise.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from None


def _validate(enterprise: Enterprise) -> None:
    enterprise_validate_row(enterprise)
    duplicate = Enterprise.objects.filter(uscc=enterprise.uscc).exclude(pk=enterprise.pk)
    if duplicate.exists():
        raise DomainError(
            f"统一社会信用代码 {enterprise.uscc} 已登记", code="duplicate", field="uscc"
        )


@transaction.atomic
def enterprise_create(*, user, **fields) -> Enterprise:
    """Register an enterprise in one of the user's regions."""
    unknown = set(fields) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}", code="unknown_field")
    if fields.get("region") is None:
        raise DomainError("请填写所在县（市、区）", code="required", field="region")
    fields["uscc"] = normalize_uscc(fields.get("uscc", ""))
    enterprise = Enterprise(**fields)
    check_region_in_scope(user=user, region=enterprise.region)
    _validate(enterprise)
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, user, enterprise: Enterprise, **fields) -> Enterprise:
    """Change an enterprise's registry data; the row is locked while checked."""
    unknown = set(fields) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}", code="unknown_field")
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if "uscc" in fields:
        fields["uscc"] = normalize_uscc(fields["uscc"])
    for name, value in fields.items():
        setattr(enterprise, name, value)
    if "region" in fields:
        check_region_in_scope(user=user, region=enterprise.region)
    _validate(enterprise)
    enterprise.save()
    return enterprise


@transaction.atomic
def positive_list_add(
    *, user, enterprise: Enterprise, reason: str, added_on: date | None = None
) -> PositiveListEntry:
    """Put an enterprise on the positive list (正面清单) from ``added_on``."""
    added_on = added_on or timezone.localdate()
    if not reason.strip():
        raise DomainError("请填写纳入正面清单的理由", code="reason_required", field="reason")
    if added_on > timezone.localdate():
        raise DomainError("纳入日期不能晚于今天", code="future_date", field="added_on")
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.positive_list_entries.filter(removed_on__isnull=True).exists():
        raise ConflictError(f"{enterprise.name} 已在正面清单中", code="already_listed")
    entry = PositiveListEntry.objects.create(
        enterprise=enterprise, added_on=added_on, reason=reason.strip(), created_by=user
    )
    enterprise.on_positive_list = True
    enterprise.save(update_fields=["on_positive_list", "updated_at"])
    return entry


@transaction.atomic
def positive_list_remove(
    *, user, enterprise: Enterprise, reason: str, removed_on: date | None = None
) -> PositiveListEntry:
    """Take an enterprise off the positive list as of ``removed_on``."""
    removed_on = removed_on or timezone.localdate()
    if not reason.strip():
        raise DomainError("请填写移出正面清单的理由", code="reason_required", field="reason")
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    entry = enterprise.positive_list_entries.filter(removed_on__isnull=True).first()
    if entry is None:
        raise ConflictError(f"{enterprise.name} 不在正面清单中", code="not_listed")
    if removed_on < entry.added_on or removed_on > timezone.localdate():
        raise DomainError(
            f"移出日期应在纳入日期 {entry.added_on} 与今天之间",
            code="invalid_date",
            field="removed_on",
        )
    entry.removed_on = removed_on
    entry.removal_reason = reason.strip()
    entry.save(update_fields=["removed_on", "removal_reason", "updated_at"])
    enterprise.on_positive_list = False
    enterprise.save(update_fields=["on_positive_list", "updated_at"])
    return entry
