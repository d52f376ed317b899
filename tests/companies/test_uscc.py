import pytest

from companies.validators import uscc_check_char, uscc_error, validate_permit_number, validate_uscc
from ecoenforce.errors import DomainError

VALID = [
    "91350100M000100Y43",  # the example of GB 32100-2015
    "91130200699229617X",
    "91131082721458584H",
]


@pytest.mark.parametrize("code", VALID)
def test_known_valid_codes_pass(code):
    assert uscc_error(code) is None


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y44", "invalid_checksum"),
        ("91350100M000100Y4", "invalid_length"),
        ("91350100M000100Y433", "invalid_length"),
        ("91350100M0001O0Y43", "invalid_charset"),  # letter O is not in the charset
        ("91350100I000100Y43", "invalid_charset"),
        ("91350100m000100y43", "invalid_charset"),  # lower case is not normalised here
    ],
)
def test_invalid_codes_are_refused_with_their_reason(code, error_code):
    error = uscc_error(code)
    assert error is not None
    assert error.code == error_code
    assert error.field == "uscc"


def test_every_check_char_is_recomputed():
    # Changing any one of the first 17 characters changes the check character.
    base = "91350100M000100Y4"
    assert uscc_check_char(base) == "3"
    assert uscc_check_char("91350100M000100Y5") != "3"


def test_legacy_code_needs_a_reason():
    with pytest.raises(DomainError) as exc:
        validate_uscc("91350100M000100Y44")
    assert exc.value.code == "invalid_checksum"
    validate_uscc("91350100M000100Y44", legacy_reason="2014 年试点代码，已核实")


def test_legacy_code_must_still_be_18_alphanumerics():
    with pytest.raises(DomainError) as exc:
        validate_uscc("9135-100M000100Y44", legacy_reason="试点代码")
    assert exc.value.code == "invalid_legacy_code"


def test_permit_number_format_and_holder():
    validate_permit_number("91130200699229617X001P", uscc="91130200699229617X")
    with pytest.raises(DomainError) as exc:
        validate_permit_number("91130200699229617X01P", uscc="91130200699229617X")
    assert exc.value.code == "invalid_permit_number"
    with pytest.raises(DomainError) as exc:
        validate_permit_number("91350100M000100Y43001P", uscc="91130200699229617X")
    assert exc.value.code == "permit_uscc_mismatch"
