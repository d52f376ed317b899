"""Check-in codes (扫码入企): a signed token per enterprise, printed as a QR code
for its gate, scanned by the inspecting officers on arrival.

The token is ``django.core.signing.TimestampSigner`` output over
``{"e": enterprise id, "v": code version}``, with a salt of its own so no other
signed value of the project can stand in for it. Its timestamp is the code's
issue time, not the time the page was drawn, so the same code is shown every
time until it is re-issued, and it expires ``ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS``
(366 by default: a code on the gate lasts a year) after issue. Re-issuing
(``checkin_code_reissue``) raises the version, which revokes every code
printed before — for a code that was copied, photographed or lost.

A token that was tampered with or signed with another key is refused as
forged, an old one as expired, a superseded one as revoked; all three answer
400 with a Chinese message (``CheckInCodeInvalid``).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import region_visible, user_roles
from cases.models import CheckInCode
from companies.models import Enterprise
from ecoenforce.errors import DomainError, Forbidden

SALT = "ecoenforce.cases.checkin-code"


class CheckInCodeInvalid(DomainError):
    """A forged, expired or revoked check-in code."""

    status = 400
    default_code = "checkin_code_invalid"


class _IssueTimeSigner(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is the code's issue time."""

    def __init__(self, *, issued_at: datetime | None = None):
        super().__init__(salt=SALT)
        self.issued_at = issued_at

    def timestamp(self):
        if self.issued_at is None:
            return super().timestamp()
        return signing.b62_encode(int(self.issued_at.timestamp()))


def max_age() -> timedelta:
    return timedelta(days=int(settings.ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS))


def checkin_code_current(enterprise: Enterprise) -> CheckInCode:
    """The enterprise's current code, issued now if it never had one."""
    code, _ = CheckInCode.objects.get_or_create(
        enterprise=enterprise, defaults={"issued_at": timezone.now()}
    )
    return code


@transaction.atomic
def checkin_code_reissue(*, enterprise: Enterprise, actor, reason: str) -> CheckInCode:
    """Issue a new code for ``enterprise`` (an approver, with the reason); every
    code printed before stops working."""
    reason = (reason or "").strip()
    if not region_visible(actor, enterprise.region_id):
        raise DomainError("企业不在您的管辖范围内", code="region_out_of_scope", field="enterprise")
    if not user_roles(actor).intersection({Role.APPROVER, Role.ADMINISTRATOR}):
        raise Forbidden("重新生成入企二维码须由负责人办理", code="role_required")
    if not reason:
        raise DomainError("请写明重新生成二维码的理由", code="required", field="reason")
    code = checkin_code_current(enterprise)
    code = CheckInCode.objects.select_for_update().get(pk=code.pk)
    code.version += 1
    code.issued_at = timezone.now()
    code.issued_by = actor
    code.reason = reason[:200]
    code.save()
    return code


def code_valid_until(code: CheckInCode) -> datetime:
    return code.issued_at + max_age()


def checkin_token(enterprise: Enterprise, *, code: CheckInCode | None = None) -> str:
    """The signed token of the enterprise's current code."""
    code = code or checkin_code_current(enterprise)
    signer = _IssueTimeSigner(issued_at=code.issued_at)
    return signer.sign_object({"e": enterprise.pk, "v": code.version})


def checkin_code_verify(token: str) -> Enterprise:
    """The enterprise a scanned token names; ``CheckInCodeInvalid`` if it is
    forged, expired or revoked."""
    try:
        payload = _IssueTimeSigner().unsign_object(token or "", max_age=max_age())
    except signing.SignatureExpired:
        raise CheckInCodeInvalid(
            "该入企二维码已过期，请联系企业所在地执法单位重新生成", code="checkin_code_expired"
        ) from None
    except (signing.BadSignature, ValueError):
        raise CheckInCodeInvalid(
            "无法识别的入企二维码：签名校验失败，可能是伪造或被篡改的二维码",
            code="checkin_code_invalid",
        ) from None
    if not isinstance(payload, dict):
        raise CheckInCodeInvalid("无法识别的入企二维码", code="checkin_code_invalid")
    current = (
        CheckInCode.objects.select_related("enterprise", "enterprise__region")
        .filter(enterprise_id=payload.get("e"))
        .first()
    )
    if current is None or current.version != payload.get("v"):
        raise CheckInCodeInvalid(
            "该入企二维码已作废（企业二维码已重新生成），请扫描企业现场张贴的新二维码",
            code="checkin_code_revoked",
        )
    return current.enterprise


def checkin_path(enterprise: Enterprise, *, code: CheckInCode | None = None) -> str:
    return reverse("checkin", kwargs={"token": checkin_token(enterprise, code=code)})


def checkin_url(enterprise: Enterprise, *, request=None, code: CheckInCode | None = None) -> str:
    """The URL the QR code carries: absolute when a request tells the host."""
    path = checkin_path(enterprise, code=code)
    return request.build_absolute_uri(path) if request is not None else path


def checkin_qr_svg(
    enterprise: Enterprise, *, request=None, code: CheckInCode | None = None, inline: bool = True
) -> str:
    """The QR code of ``checkin_url`` as SVG, drawn here (no external service):
    an ``<svg>`` element for an HTML page, or a whole SVG document."""
    qr = segno.make(checkin_url(enterprise, request=request, code=code), error="m", micro=False)
    if inline:
        return qr.svg_inline(scale=6, border=4)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=6, border=4, title=enterprise.name)
    return buffer.getvalue().decode()
