"""REST wiring shared by every app: pagination, permissions, the error format."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ecoenforce.errors import DomainError, ErrorItem, ValidationFailed

# No place is further than 14 hours from UTC; PostgreSQL refuses an offset
# beyond ±15:59 with an error instead of an empty answer.
MAX_UTC_OFFSET = timedelta(hours=14)


def validate_utc_offset(value) -> None:
    offset = value.utcoffset() if value is not None else None
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DjangoValidationError("时区偏移超出范围（-14:00 至 +14:00）", code="invalid_offset")


class BaseFilterSet(django_filters.FilterSet):
    """Every list takes ``updated_since`` so a reporting client pulls only changes."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="更新时间不早于（ISO 8601）",
        validators=[validate_utc_offset],
    )


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` with M ≤ 500 (API.md)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class RolePermission(permissions.DjangoModelPermissions):
    """Model permissions of the user's role groups, reading included.

    DRF's stock class lets any authenticated user read; here a GET needs the
    ``view`` permission, so a monitoring platform cannot list enterprises'
    details it has no business with.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


def _flatten(detail, prefix: str | None = None) -> list[ErrorItem]:
    """Turn DRF's nested error detail into API.md's flat list."""
    items: list[ErrorItem] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "__all__") else str(key)
            if prefix is not None:
                field = f"{prefix}.{key}" if field is not None else prefix
            items.extend(_flatten(value, field))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                items.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                items.extend(_flatten(value, prefix))
    else:
        code = getattr(detail, "code", None) or "invalid"
        items.append(ErrorItem(prefix, str(code), str(detail)))
    return items


def error_response(items: list[ErrorItem], status: int) -> Response:
    return Response({"errors": [item.as_dict() for item in items]}, status=status)


def exception_handler(exc, context):
    """Render every error as ``{"errors": [{"field", "code", "message"}]}``."""
    # Imported here: rest_framework.views imports the permission classes above
    # through the settings, so a module-level import would be circular.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DomainError):
        return error_response(exc.items, exc.status)
    if isinstance(exc, DjangoValidationError):
        return error_response(ValidationFailed.from_django(exc).items, 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("记录不存在或不在您的管辖范围内")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        items = _flatten(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        items = [ErrorItem(None, str(code), str(detail))]
    response.data = {"errors": [item.as_dict() for item in items]}
    return response
