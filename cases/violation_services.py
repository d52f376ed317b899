"""Writes to the violation library (违法行为库).

The library is edited by administrators in the admin; these services hold the
rules that must hold whichever door a change comes through: a type a case
charges is never deleted (retire it with ``violation_type_deactivate``), and
every saved type passes ``ViolationType.clean()``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from cases.models import ViolationType
from cases.violation_selectors import violation_type_in_use
from ecoenforce.errors import ConflictError, ValidationFailed


def violation_type_save(*, violation_type: ViolationType) -> ViolationType:
    """Validate (fine rule, amounts, discretion factor JSON) and save."""
    try:
        violation_type.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    violation_type.save()
    return violation_type


@transaction.atomic
def violation_type_delete(*, violation_type: ViolationType) -> None:
    """Delete a type no case uses; refuse (409) one in use."""
    locked = ViolationType.objects.select_for_update().get(pk=violation_type.pk)
    if violation_type_in_use(locked):
        raise ConflictError(
            f"违法行为类型 {locked.code} 已被案件使用，不能删除；如不再适用，请停用",
            code="violation_type_in_use",
        )
    locked.delete()


def violation_type_set_active(*, violation_type: ViolationType, active: bool) -> ViolationType:
    """Retire (or bring back) a type: a retired one is not offered for new cases."""
    if violation_type.is_active != active:
        violation_type.is_active = active
        violation_type.save(update_fields=["is_active", "updated_at"])
    return violation_type


def violation_type_deactivate(*, violation_type: ViolationType) -> ViolationType:
    return violation_type_set_active(violation_type=violation_type, active=False)


def violation_type_activate(*, violation_type: ViolationType) -> ViolationType:
    return violation_type_set_active(violation_type=violation_type, active=True)
