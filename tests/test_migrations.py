"""The migrations (the only way the schema is made) and the ORM models describe the same schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import models
from core.database import sync_url


def test_models_and_migrations_agree(database_url):
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, models.Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "\n".join(str(d) for d in differences)
