"""One masking rule (R-25, R-35): at least four characters of any number are hidden."""
import pytest

from core.masking import mask_name, mask_phone


@pytest.mark.parametrize(("number", "masked"), [
    ("13812348000", "138****8000"),  # mainland mobile
    ("85551234", "85****34"),  # 8-digit local landline: four of eight hidden
    ("02885551234", "028****1234"),  # landline with area code
    ("8555123", "8****23"),
    ("12345", "****5"),
    ("1234", "****"),
    ("110", "***"),
    ("", ""),
    (None, None),
])
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize("number", ["1", "12", "12345", "85551234", "13812348000", "008613812348000", "02885551234"])
def test_at_least_four_characters_hidden_and_length_kept(number):
    masked = mask_phone(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= min(4, len(number))
    shown = [c for c, m in zip(number, masked, strict=True) if m != "*"]
    assert len(shown) <= len(number) - min(4, len(number))


def test_mask_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "*"
    assert mask_name(None) is None
