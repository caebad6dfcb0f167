"""Everything a process opens at startup (engine, sessions, Redis), in one object."""
from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, create_sessionmaker, create_side_engine
from core.kv import redis_for
from core.secrets import secret_key
from core.settings import Settings


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    secret_key: str
    side_engine: AsyncEngine  # short transactions of their own beside a request's (core.database)

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        """Create the engines, session factory and Redis client for settings."""
        db = settings.database
        engine = create_engine(db.database_url, pool_size=db.database_pool_size, max_overflow=db.database_max_overflow,
                               pool_timeout=db.database_pool_timeout_seconds)
        return cls(settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine),
                   redis=redis_for(settings), secret_key=secret_key(settings), side_engine=create_side_engine(engine))

    async def close(self) -> None:
        """Release connections."""
        await self.redis.aclose()
        if self.side_engine is not self.engine:
            await self.side_engine.dispose()
        await self.engine.dispose()
