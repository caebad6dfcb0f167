"""Logs: JSON lines for machines, plain lines for people at a terminal; every line carries the
request id and any ids passed as fields."""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from core.context import request_id_var

# not fields: the record's own attributes, and uvicorn's ANSI-coloured copy of its message
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}

# A database error names the values it refused: PostgreSQL's DETAIL line ("Key (number)=(138…)
# already exists", "Failing row contains (…)") and SQLAlchemy's parameter list carry callers'
# numbers, names and request texts. Logs are read by operators, not by people entitled to those
# the lines are withheld, the error's kind, constraint and statement stay.
_PERSONAL_DATA_LINES = (
    (re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE), r"\1  (withheld: may contain personal data)"),
    (re.compile(r"^\[parameters: .*$", re.MULTILINE), "[parameters withheld: may contain personal data]"),
)


def redact(text: str) -> str:
    """Text with the lines of database errors that quote stored values withheld."""
    for pattern, replacement in _PERSONAL_DATA_LINES:
        text = pattern.sub(replacement, text)
    return text


def _field(value: object) -> object:
    return value if isinstance(value, (int, float, bool, type(None))) else redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _field(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """For people reading a terminal: time, level, logger, message, then the fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))  # message and traceback
        fields = [f"{k}={_field(v)}" for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")]
        request_id = request_id_var.get()
        if request_id:
            fields.insert(0, f"request_id={request_id}")
        if not fields:
            return line
        head, sep, tail = line.partition("\n")  # a traceback stays below the fields
        return f"{head} {' '.join(fields)}{sep}{tail}"


def wants_json(setting: bool | None, stream: TextIO) -> bool:
    """JSON lines unless a person reads them: an explicit HOTLINE_LOG_JSON wins; unset means
    JSON when the stream is not a terminal (a service, a container, a pipe to a collector)."""
    if setting is not None:
        return setting
    isatty = getattr(stream, "isatty", None)
    return not (isatty is not None and isatty())


class DemoteToDebug(logging.Filter):
    """httpx reports every request it makes at INFO ("HTTP Request: POST …/ari/channels/…");
    the ARI client makes several per call, which is debug detail, shown only at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def configure_logging(level: str = "INFO", *, json_lines: bool | None = None, stream: TextIO | None = None) -> None:
    """Install one handler on the root logger (idempotent). json_lines None: JSON unless
    `stream` (stderr) is a terminal."""
    stream = stream or sys.stderr
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_hotline", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler._hotline = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if wants_json(json_lines, stream) else PlainFormatter())
    root.addHandler(handler)
    # migration chatter is not operational information
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    http_client = logging.getLogger("httpx")
    if not any(isinstance(f, DemoteToDebug) for f in http_client.filters):
        http_client.addFilter(DemoteToDebug())
