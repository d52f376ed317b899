"""Domain errors raised by services, turned into HTTP answers in one place.

Services raise these with a Chinese message for people and a stable ``code``
for programs; ``ecoenforce.api.exception_handler`` renders them in the error
format of API.md, and the admin shows the message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorItem:
    field: str | None
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


class DomainError(Exception):
    """Bad input or a refused action; nothing has been written."""

    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    @property
    def items(self) -> list[ErrorItem]:
        return [ErrorItem(self.field, self.code, self.message)]


class ValidationFailed(DomainError):
    """Several field errors at once."""

    def __init__(self, items: list[ErrorItem]):
        self._items = list(items)
        first = self._items[0] if self._items else ErrorItem(None, "invalid", "输入有误")
        super().__init__(first.message, code=first.code, field=first.field)

    @property
    def items(self) -> list[ErrorItem]:
        return self._items

    @classmethod
    def from_django(cls, exc) -> ValidationFailed:
        """Wrap a Django ValidationError (from ``full_clean``) keeping fields and codes."""
        items: list[ErrorItem] = []
        error_dict = getattr(exc, "error_dict", None) or {None: exc.error_list}
        for field, errors in error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                items.append(
                    ErrorItem(
                        None if field in (None, "__all__") else field,
                        error.code or "invalid",
                        str(message),
                    )
                )
        return cls(items)


class Forbidden(DomainError):
    """The user's role does not allow this step."""

    status = 403
    default_code = "forbidden"


class ConflictError(DomainError):
    """The record's state does not allow this (illegal transition, closed record)."""

    status = 409
    default_code = "conflict"


class DependencyUnavailable(DomainError):
    """A service the action needs (the broker) is down."""

    status = 503
    default_code = "unavailable"
