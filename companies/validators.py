"""Code formats of GB 32100-2015 (USCC) and the discharge-permit number."""

from __future__ import annotations

import re

from ecoenforce.errors import DomainError

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (1-based) is 3^(i-1) mod 31 (GB 32100-2015, 4.2).
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_VALUE = {char: index for index, char in enumerate(USCC_CHARSET)}
_LEGACY_RE = re.compile(r"^[0-9A-Z]{18}$")
PERMIT_NUMBER_RE = re.compile(r"^(?P<uscc>[0-9A-Z]{18})(?P<site>\d{3})(?P<letter>[A-Z])$")


def uscc_check_char(first17: str) -> str:
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=False))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_error(code: str) -> DomainError | None:
    """The reason ``code`` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return DomainError(
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位",
            code="invalid_length",
            field="uscc",
        )
    bad = sorted({char for char in code if char not in _VALUE})
    if bad:
        return DomainError(
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）",
            code="invalid_charset",
            field="uscc",
        )
    if uscc_check_char(code[:17]) != code[17]:
        return DomainError("统一社会信用代码校验位错误", code="invalid_checksum", field="uscc")
    return None


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(code: str, *, legacy_reason: str = "") -> None:
    """Raise DomainError unless ``code`` is a valid USCC.

    A pre-2015 pilot code may fail the checksum; it is accepted only with a
    written reason, and must still be 18 letters or digits.
    """
    if legacy_reason.strip():
        if not _LEGACY_RE.match(code):
            raise DomainError(
                "历史代码也应为 18 位数字或大写字母", code="invalid_legacy_code", field="uscc"
            )
        return
    error = uscc_error(code)
    if error is not None:
        raise error


def validate_permit_number(number: str, *, uscc: str) -> None:
    """排污许可证编号: the holder's USCC, a 3-digit site number and a letter."""
    match = PERMIT_NUMBER_RE.match(number)
    if not match:
        raise DomainError(
            "排污许可证编号格式应为：统一社会信用代码 + 3 位数字 + 1 位字母，"
            "如 91130200699229617X001P",
            code="invalid_permit_number",
            field="permit_number",
        )
    if match.group("uscc") != uscc:
        raise DomainError(
            "排污许可证编号的前 18 位应与企业的统一社会信用代码一致",
            code="permit_uscc_mismatch",
            field="permit_number",
        )


# Ranges of the enterprise_latitude_range / enterprise_longitude_range constraints,
# checked here too so a bad value is refused with a message instead of an
# IntegrityError from the database.
LATITUDE_RANGE = (-90, 90)
LONGITUDE_RANGE = (-180, 180)


def _out_of_range(value, bounds: tuple[int, int]) -> bool:
    try:
        return value is not None and not bounds[0] <= value <= bounds[1]
    except TypeError:
        # Not a number at all: the field's own validation reports that.
        return False


def validate_latitude(value) -> None:
    """纬度: decimal degrees within ±90 (WGS-84 or GCJ-02 alike)."""
    if _out_of_range(value, LATITUDE_RANGE):
        raise DomainError(
            f"纬度应在 {LATITUDE_RANGE[0]} 到 {LATITUDE_RANGE[1]} 之间，实际为 {value}",
            code="latitude_out_of_range",
            field="latitude",
        )


def validate_longitude(value) -> None:
    """经度: decimal degrees within ±180."""
    if _out_of_range(value, LONGITUDE_RANGE):
        raise DomainError(
            f"经度应在 {LONGITUDE_RANGE[0]} 到 {LONGITUDE_RANGE[1]} 之间，实际为 {value}",
            code="longitude_out_of_range",
            field="longitude",
        )
