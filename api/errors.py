"""Exception handlers: every expected failure is a 4xx with a clear message, never a 500."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import DomainError, TooManyRequests

log = logging.getLogger(__name__)

POOL_RETRY_AFTER_SECONDS = 2


def _error(status: int, code: str, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail, **extra}, status_code=status)


def _describe(errors: list[dict]) -> str:
    if any(e.get("type") == "json_invalid" for e in errors):
        return "请求体不是有效的 JSON (malformed JSON body)"
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "输入无效 (invalid input): " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on app."""

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return _error(422, "invalid", _describe(errors), errors=errors)

    @app.exception_handler(DomainError)
    async def on_domain(_: Request, exc: DomainError) -> JSONResponse:
        response = _error(exc.status_code, exc.code, exc.message,
                          **({"info": exc.detail} if exc.detail is not None else {}))
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(IntegrityError)
    async def on_integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # a race the service checks could not see (two requests at once): a conflict, not a crash
        log.warning("integrity error", extra={"error": str(exc.orig)[:200]})
        return _error(409, "conflict", "数据冲突，请刷新后重试 (conflicting change, retry)")

    @app.exception_handler(DataError)
    async def on_data(_: Request, exc: DataError) -> JSONResponse:
        # a value the database cannot store (a NUL character in text, a string past its column,
        # a number out of range): the client's input, refused; the transaction is rolled back
        log.warning("data error", extra={"error": str(exc.orig)[:200]})
        return _error(422, "invalid", "输入包含无法保存的值 (a value cannot be stored, e.g. a NUL character)")

    @app.exception_handler(PoolTimeout)
    async def on_pool_timeout(_: Request, exc: PoolTimeout) -> JSONResponse:
        # every connection of the request pool stayed busy for the pool's whole wait: overload, not a
        # fault of the request — nothing was written; the client (or the proxy) may retry shortly
        log.warning("database pool exhausted", extra={"error": str(exc)[:200]})
        response = _error(503, "unavailable", "系统繁忙，请稍后重试 (server busy, retry shortly)")
        response.headers["Retry-After"] = str(POOL_RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(DBAPIError)
    async def on_dbapi(_: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return _error(503, "unavailable", "数据库暂不可用 (database unavailable)")
        log.exception("database error")
        return _error(500, "internal", "内部错误 (internal error)")
