"""The interactive API pages (/docs, /redoc) load Swagger UI and ReDoc from a public CDN: third-party
script on the origin where desktops keep ticket drafts with callers' data and people type their
passwords (R-35). They are off unless HOTLINE_API_DOCS asks for them; /openapi.json (no script) stays."""
from __future__ import annotations

import httpx

from api.app import create_app
from core.resources import Resources


async def test_docs_pages_are_off_by_default_and_the_schema_stays(client):
    for page in ("/docs", "/redoc"):
        assert (await client.get(page)).status_code == 404
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200 and schema.json()["paths"]


async def test_docs_pages_on_request(resources):
    settings = resources.settings.replace(api_docs=True)
    app = create_app(resources=Resources(**{**resources.__dict__, "settings": settings}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        docs = await http.get("/docs")
        assert docs.status_code == 200 and "swagger-ui" in docs.text
