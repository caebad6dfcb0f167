"""The organisation tree is changed within the changer's scope (R-31): a city centre's admin adds
and edits the city's units, never the province's departments or another city's units."""
from __future__ import annotations

from organisation.service import unit_by_code
from tests.conftest import city_admin


def _unit(code: str, region: str, **extra) -> dict:
    return {"code": code, "name": f"测试单位{code}", "kind": "department", "level": "county", "region_code": region,
            "domains": ["housing"], **extra}


async def test_a_city_admin_changes_only_the_citys_part_of_the_tree(client, session, admin_headers):
    city = await city_admin(client, session, admin_headers, "cd_orgadmin")
    wuhou = await unit_by_code(session, "WH-ZJJ")
    province_department = await unit_by_code(session, "SC-ZJT")

    own = await client.post("/api/v1/org/units", headers=city, json=_unit("CD-T1", "510107", parent_id=wuhou.id))
    assert own.status_code == 201, own.text
    renamed = await client.patch(f"/api/v1/org/units/{wuhou.id}", headers=city, json={"name": "武侯区住建交通局（新）"})
    assert renamed.status_code == 200

    other_city = await client.post("/api/v1/org/units", headers=city, json=_unit("PZH-T1", "510400", level="city"))
    assert other_city.status_code == 403
    under_province = await client.post("/api/v1/org/units", headers=city,
                                       json=_unit("CD-T2", "510107", parent_id=province_department.id))
    assert under_province.status_code == 403
    for change in ({"name": "被改名的省厅"}, {"active": False}):
        refused = await client.patch(f"/api/v1/org/units/{province_department.id}", headers=city, json=change)
        assert refused.status_code == 403
    await session.refresh(province_department)
    assert province_department.name == "四川省住房和城乡建设厅" and province_department.active

    province = await client.patch(f"/api/v1/org/units/{province_department.id}", headers=admin_headers,
                                  json={"name": "四川省住房和城乡建设厅（测试）"})
    assert province.status_code == 200  # the province admin is not held back by scope
    assert (await client.post("/api/v1/org/units", headers=admin_headers,
                              json=_unit("PZH-T2", "510400", level="city"))).status_code == 201
