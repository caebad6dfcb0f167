"""ASGI entry point for uvicorn (`hotline serve`): settings read when the server imports it."""
from api.app import create_app
from core.logging import configure_logging
from core.settings import get_settings

_settings = get_settings()
configure_logging(_settings.logging.log_level, json_lines=_settings.logging.log_json)
app = create_app(_settings)
