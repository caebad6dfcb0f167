"""Masking of callers' numbers for people who may not see personal data (R-25, R-35)."""
from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """'13812345678' -> '138****5678'; short numbers keep only their last two digits."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]
