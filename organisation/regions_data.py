"""Sichuan administrative divisions (GB/T 2260 codes) shipped as reference data."""
from __future__ import annotations

PROVINCE = ("510000", "四川省")

# the 21 cities and prefectures (市州)
CITIES: tuple[tuple[str, str], ...] = (
    ("510100", "成都市"), ("510300", "自贡市"), ("510400", "攀枝花市"), ("510500", "泸州市"),
    ("510600", "德阳市"), ("510700", "绵阳市"), ("510800", "广元市"), ("510900", "遂宁市"),
    ("511000", "内江市"), ("511100", "乐山市"), ("511300", "南充市"), ("511400", "眉山市"),
    ("511500", "宜宾市"), ("511600", "广安市"), ("511700", "达州市"), ("511800", "雅安市"),
    ("511900", "巴中市"), ("512000", "资阳市"), ("513200", "阿坝藏族羌族自治州"),
    ("513300", "甘孜藏族自治州"), ("513400", "凉山彝族自治州"),
)

# counties and districts of 成都市 (区县)
CHENGDU_COUNTIES: tuple[tuple[str, str], ...] = (
    ("510104", "锦江区"), ("510105", "青羊区"), ("510106", "金牛区"), ("510107", "武侯区"),
    ("510108", "成华区"), ("510112", "龙泉驿区"), ("510113", "青白江区"), ("510114", "新都区"),
    ("510115", "温江区"), ("510116", "双流区"), ("510117", "郫都区"), ("510118", "新津区"),
    ("510121", "金堂县"), ("510129", "大邑县"), ("510131", "蒲江县"), ("510181", "都江堰市"),
    ("510182", "彭州市"), ("510183", "邛崃市"), ("510184", "崇州市"), ("510185", "简阳市"),
)

# a few townships/streets (乡镇街道) of 武侯区 and 锦江区 for the demo; 9-digit codes
# follow the statistical division pattern (county code + 3 digits) and are illustrative.
DEMO_TOWNSHIPS: tuple[tuple[str, str, str], ...] = (
    ("510107001", "浆洗街街道", "510107"),
    ("510107002", "望江路街道", "510107"),
    ("510107003", "玉林街道", "510107"),
    ("510104001", "春熙路街道", "510104"),
    ("510104002", "书院街街道", "510104"),
)


def all_regions() -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent_code) for every shipped region, parents first."""
    rows: list[tuple[str, str, str, str | None]] = [(PROVINCE[0], PROVINCE[1], "province", None)]
    rows += [(code, name, "city", PROVINCE[0]) for code, name in CITIES]
    rows += [(code, name, "county", "510100") for code, name in CHENGDU_COUNTIES]
    rows += [(code, name, "township", parent) for code, name, parent in DEMO_TOWNSHIPS]
    return rows
