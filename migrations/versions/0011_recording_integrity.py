"""recordings: kept until retain_until by the database itself, and their integrity checks (R-17)

Revision ID: 0011
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0003"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION recordings_retained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.retain_until > now() OR OLD.legal_hold THEN
            RAISE EXCEPTION 'recording % is retained until % (legal hold: %)', OLD.id, OLD.retain_until,
                OLD.legal_hold;
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.retain_until < OLD.retain_until OR NEW.sha256 <> OLD.sha256 OR NEW.path <> OLD.path THEN
        RAISE EXCEPTION 'recording %: retention can be lengthened, never shortened; file and hash never change',
            OLD.id;
    END IF;
    RETURN NEW;
END $$
"""
# SQLite keeps these columns as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff': compared as text with now
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def upgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("integrity", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("verified_at", models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_recordings_verified_at"), ["verified_at"], unique=False)
    # a recording's row outlives its retention date whoever asks (the API, a script, psql)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER recordings_retention BEFORE UPDATE OR DELETE ON recordings "
                   "FOR EACH ROW EXECUTE FUNCTION recordings_retained()")
        op.execute("CREATE FUNCTION recordings_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'recordings are deleted one by one, after retain_until'; END $$")
        op.execute("CREATE TRIGGER recordings_no_truncate BEFORE TRUNCATE ON recordings "
                   "FOR EACH STATEMENT EXECUTE FUNCTION recordings_no_truncate()")
    else:
        op.execute("CREATE TRIGGER recordings_retained_delete BEFORE DELETE ON recordings "
                   f"WHEN OLD.retain_until > {_SQLITE_NOW} OR OLD.legal_hold "
                   "BEGIN SELECT RAISE(ABORT, 'recording is retained until retain_until'); END")
        op.execute("CREATE TRIGGER recordings_retained_update BEFORE UPDATE ON recordings "
                   "WHEN NEW.retain_until < OLD.retain_until OR NEW.sha256 <> OLD.sha256 OR NEW.path <> OLD.path "
                   "BEGIN SELECT RAISE(ABORT, 'retention can be lengthened, never shortened; "
                   "file and hash never change'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER recordings_no_truncate ON recordings")
        op.execute("DROP FUNCTION recordings_no_truncate()")
        op.execute("DROP TRIGGER recordings_retention ON recordings")
        op.execute("DROP FUNCTION recordings_retained()")
    else:
        op.execute("DROP TRIGGER recordings_retained_update")
        op.execute("DROP TRIGGER recordings_retained_delete")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_verified_at"))
        batch_op.drop_column("verified_at")
        batch_op.drop_column("integrity")
