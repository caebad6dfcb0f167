"""Logs never carry the personal data a database error quotes (R-35): neither SQLAlchemy's
parameter list nor PostgreSQL's DETAIL line ("Key (number)=(…)", "Failing row contains (…)")."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from core.logging import JsonFormatter, PlainFormatter
from models import BlockedCaller

NUMBER = "13800007777"


def _logged(formatter: logging.Formatter, exc: BaseException, **extra) -> str:
    record = logging.LogRecord("ivr.session", logging.ERROR, __file__, 1, "call record write failed", None,
                               (type(exc), exc, exc.__traceback__))
    record.__dict__.update(extra)
    return formatter.format(record)


async def _duplicate_number(session) -> IntegrityError:
    session.add(BlockedCaller(number=NUMBER, status="warned", reason="骚扰电话"))
    await session.flush()
    with pytest.raises(IntegrityError) as caught:
        async with session.begin_nested():
            session.add(BlockedCaller(number=NUMBER, status="suspended", reason="张三 威胁"))
            await session.flush()
    return caught.value


@pytest.mark.parametrize("formatter", [JsonFormatter(), PlainFormatter()], ids=["json", "plain"])
async def test_a_database_error_is_logged_without_the_values_it_refused(session, formatter):
    exc = await _duplicate_number(session)
    line = _logged(formatter, exc, error=str(exc.orig)[:200], call_id=7)
    assert NUMBER not in line and "张三" not in line
    # what an operator needs stays: the kind of error, the constraint, the statement
    assert "UniqueViolation" in line and "blocked_callers" in line and "INSERT INTO blocked_callers" in line
    assert "withheld" in line


async def test_the_engine_never_puts_parameters_into_its_errors(session):
    exc = await _duplicate_number(session)
    assert "张三" not in str(exc) and "suspended" not in str(exc)


def test_a_failing_row_detail_is_withheld_too():
    text = ('null value in column "status" of relation "ticket_callers" violates not-null constraint\n'
            "DETAIL:  Failing row contains (12, 李四, 13912345678, null).")
    line = json.loads(_logged(JsonFormatter(), RuntimeError(text)))
    assert "13912345678" not in json.dumps(line, ensure_ascii=False) and "李四" not in line["exc"]
    assert "not-null constraint" in line["exc"]
