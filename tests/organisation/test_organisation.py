"""Organisation tree (R-31, R-08): the 21 市州 with GB/T 2260 codes, Chengdu's units."""
from __future__ import annotations

from tests.conftest import login


async def test_all_21_cities_with_real_codes(client):
    headers = await login(client, "agent1001")
    cities = (await client.get("/api/v1/org/regions?level=city", headers=headers)).json()
    assert len(cities) == 21
    by_name = {c["name"]: c["code"] for c in cities}
    assert by_name["成都市"] == "510100"
    assert by_name["凉山彝族自治州"] == "513400"
    assert by_name["资阳市"] == "512000"
    assert all(c["parent_code"] == "510000" for c in cities)
    districts = (await client.get("/api/v1/org/regions?parent=510100", headers=headers)).json()
    assert {"武侯区", "锦江区", "简阳市"} <= {d["name"] for d in districts}


async def test_units_by_domain_and_region(client):
    headers = await login(client, "agent1001")
    water = (await client.get("/api/v1/org/units?domain=water", headers=headers)).json()
    assert [u["code"] for u in water] == ["CD-WATER"]
    assert water[0]["kind"] == "enterprise"
    wuhou = (await client.get("/api/v1/org/units?region=510107", headers=headers)).json()
    assert {u["code"] for u in wuhou} >= {"WH-GOV", "WH-ZJJ", "WH-JXJ"}
    centres = (await client.get("/api/v1/org/units?kind=hotline_centre", headers=headers)).json()
    assert len(centres) == 22  # province + 21 cities
    subs = (await client.get("/api/v1/org/units?kind=sub_centre", headers=headers)).json()
    assert len(subs) >= 2


async def test_expert_seats_belong_to_units(client, admin_headers):
    experts = (await client.get("/api/v1/users?role=expert", headers=admin_headers)).json()
    assert [e["extension"] for e in experts] == ["2001", "2002", "2003", "2004", "2005"]
    unit = (await client.get(f"/api/v1/org/units/{experts[0]['org_unit_id']}", headers=admin_headers)).json()
    assert unit["code"] == "SC-RST"


async def test_admin_updates_unit_domains(client, admin_headers):
    units = (await client.get("/api/v1/org/units?domain=gas", headers=admin_headers)).json()
    response = await client.patch(f"/api/v1/org/units/{units[0]['id']}", headers=admin_headers,
                                  json={"domains": ["gas", "heating"]})
    assert response.status_code == 200
    assert response.json()["domains"] == ["gas", "heating"]
