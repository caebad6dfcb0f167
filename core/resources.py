"""Everything a process opens at startup (engine, sessions, Redis), in one object."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, create_sessionmaker
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
    # services added by other domains at startup (event bus, ACD store …), keyed by name
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        """Create the engine, session factory and Redis client for settings."""
        engine = create_engine(settings.database.database_url)
        return cls(settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine),
                   redis=redis_for(settings), secret_key=secret_key(settings))

    async def close(self) -> None:
        """Release connections."""
        await self.redis.aclose()
        await self.engine.dispose()
