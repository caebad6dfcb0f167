"""The organisation tree shipped with the platform: hotline centres and handling units.

Each entry: (code, name, kind, level, region_code, parent_code, domains, oversight_code).
Duty domains (行业/职责) are short English keys; DOMAIN_NAMES gives their Chinese labels.
"""
from __future__ import annotations

from organisation.regions_data import CITIES

DOMAIN_NAMES: dict[str, str] = {
    "development": "发展改革", "industry": "经济和信息化", "education": "教育", "public_security": "公安",
    "civil_affairs": "民政", "human_resources": "人力资源和社会保障", "natural_resources": "自然资源",
    "environment": "生态环境", "housing": "住房和城乡建设", "transport": "交通运输", "agriculture": "农业农村",
    "commerce": "商务", "health": "卫生健康", "emergency": "应急管理", "market": "市场监管",
    "medical_insurance": "医疗保障", "taxation": "税务", "power": "供电", "water": "供水", "gas": "供气",
    "urban_management": "城市管理", "discipline": "纪检监察", "general": "综合",
}

UnitRow = tuple[str, str, str, str, str, str | None, tuple[str, ...], str | None]

PROVINCE_UNITS: tuple[UnitRow, ...] = (
    ("SC-12345", "四川省12345政务服务便民热线中心", "hotline_centre", "province", "510000", None, ("general",), None),
    ("SC-GOV", "四川省人民政府办公厅", "government", "province", "510000", None, ("general",), None),
    ("SC-JW", "四川省纪委监委", "discipline", "province", "510000", None, ("discipline",), None),
    ("SC-FGW", "四川省发展和改革委员会", "department", "province", "510000", "SC-GOV", ("development",), "SC-GOV"),
    ("SC-JXT", "四川省经济和信息化厅", "department", "province", "510000", "SC-GOV", ("industry",), "SC-GOV"),
    ("SC-JYT", "四川省教育厅", "department", "province", "510000", "SC-GOV", ("education",), "SC-GOV"),
    ("SC-GAT", "四川省公安厅", "department", "province", "510000", "SC-GOV", ("public_security",), "SC-GOV"),
    ("SC-MZT", "四川省民政厅", "department", "province", "510000", "SC-GOV", ("civil_affairs",), "SC-GOV"),
    ("SC-RST", "四川省人力资源和社会保障厅", "department", "province", "510000", "SC-GOV", ("human_resources",), "SC-GOV"),
    ("SC-ZRZYT", "四川省自然资源厅", "department", "province", "510000", "SC-GOV", ("natural_resources",), "SC-GOV"),
    ("SC-STHJT", "四川省生态环境厅", "department", "province", "510000", "SC-GOV", ("environment",), "SC-GOV"),
    ("SC-ZJT", "四川省住房和城乡建设厅", "department", "province", "510000", "SC-GOV", ("housing",), "SC-GOV"),
    ("SC-JTT", "四川省交通运输厅", "department", "province", "510000", "SC-GOV", ("transport",), "SC-GOV"),
    ("SC-NYNCT", "四川省农业农村厅", "department", "province", "510000", "SC-GOV", ("agriculture",), "SC-GOV"),
    ("SC-SWT", "四川省商务厅", "department", "province", "510000", "SC-GOV", ("commerce",), "SC-GOV"),
    ("SC-WJW", "四川省卫生健康委员会", "department", "province", "510000", "SC-GOV", ("health",), "SC-GOV"),
    ("SC-YJT", "四川省应急管理厅", "department", "province", "510000", "SC-GOV", ("emergency",), "SC-GOV"),
    ("SC-SCJGJ", "四川省市场监督管理局", "department", "province", "510000", "SC-GOV", ("market",), "SC-GOV"),
    ("SC-YBJ", "四川省医疗保障局", "department", "province", "510000", "SC-GOV", ("medical_insurance",), "SC-GOV"),
    ("SC-SWJ", "国家税务总局四川省税务局", "vertical", "province", "510000", None, ("taxation",), "SC-JW"),
    ("SC-DL", "国网四川省电力公司", "enterprise", "province", "510000", None, ("power",), "SC-FGW"),
    # sub-centres: department hotlines merged into 12345 (分中心)
    ("SC-12345-RS", "12333人社服务分中心", "sub_centre", "province", "510000", "SC-12345", ("human_resources",), None),
    ("SC-12345-SC", "12315市场监管分中心", "sub_centre", "province", "510000", "SC-12345", ("market",), None),
)

CHENGDU_UNITS: tuple[UnitRow, ...] = (
    ("CD-GOV", "成都市人民政府办公厅", "government", "city", "510100", "SC-GOV", ("general",), "SC-GOV"),
    ("CD-JW", "成都市纪委监委", "discipline", "city", "510100", None, ("discipline",), None),
    ("CD-ZJJ", "成都市住房和城乡建设局", "department", "city", "510100", "CD-GOV", ("housing",), "CD-GOV"),
    ("CD-SCJGJ", "成都市市场监督管理局", "department", "city", "510100", "CD-GOV", ("market",), "CD-GOV"),
    ("CD-STHJJ", "成都市生态环境局", "department", "city", "510100", "CD-GOV", ("environment",), "CD-GOV"),
    ("CD-JTJ", "成都市交通运输局", "department", "city", "510100", "CD-GOV", ("transport",), "CD-GOV"),
    ("CD-RSJ", "成都市人力资源和社会保障局", "department", "city", "510100", "CD-GOV", ("human_resources",), "CD-GOV"),
    ("CD-CGW", "成都市城市管理委员会", "department", "city", "510100", "CD-GOV", ("urban_management",), "CD-GOV"),
    ("CD-WATER", "成都市自来水有限责任公司", "enterprise", "city", "510100", None, ("water",), "CD-ZJJ"),
    ("CD-GAS", "成都燃气集团股份有限公司", "enterprise", "city", "510100", None, ("gas",), "CD-ZJJ"),
    ("CD-POWER", "国网成都供电公司", "enterprise", "city", "510100", "SC-DL", ("power",), "SC-DL"),
    ("WH-GOV", "成都市武侯区人民政府", "government", "county", "510107", "CD-GOV", ("general",), "CD-GOV"),
    ("WH-ZJJ", "武侯区住房建设和交通运输局", "department", "county", "510107", "WH-GOV", ("housing", "transport"), "WH-GOV"),
    ("WH-SCJGJ", "武侯区市场监督管理局", "department", "county", "510107", "WH-GOV", ("market",), "WH-GOV"),
    ("WH-CGJ", "武侯区城市管理局", "department", "county", "510107", "WH-GOV", ("urban_management", "environment"), "WH-GOV"),
    ("WH-JXJ", "浆洗街街道办事处", "government", "township", "510107001", "WH-GOV", ("general",), "WH-GOV"),
    ("WH-WJL", "望江路街道办事处", "government", "township", "510107002", "WH-GOV", ("general",), "WH-GOV"),
    ("WH-YL", "玉林街道办事处", "government", "township", "510107003", "WH-GOV", ("general",), "WH-GOV"),
    ("JJ-GOV", "成都市锦江区人民政府", "government", "county", "510104", "CD-GOV", ("general",), "CD-GOV"),
    ("JJ-CXL", "春熙路街道办事处", "government", "township", "510104001", "JJ-GOV", ("general",), "JJ-GOV"),
)


def city_centres() -> tuple[UnitRow, ...]:
    """One 12345 centre per city/prefecture (市州12345热线)."""
    return tuple(
        (f"C{code}-12345", f"{name}12345热线", "hotline_centre", "city", code, "SC-12345", ("general",), None)
        for code, name in CITIES
    )


def all_units() -> tuple[UnitRow, ...]:
    """Every shipped unit, parents before children."""
    return PROVINCE_UNITS + city_centres() + CHENGDU_UNITS
