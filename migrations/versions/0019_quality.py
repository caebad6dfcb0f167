"""quality inspection and transcripts: scoring forms (versioned), samples, scores with appeals;
transcripts of recordings with their timed segments; the standard scoring form, version 1

Revision ID: 0019
Revises: 0017 (calls and recordings come through 0012 → 0011 → 0003)
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

_TS = models.base.UtcDateTime(timezone=True)

# The standard form (标准质检评分表), version 1: 100 points over nine items, three fatal items.
STANDARD_ITEMS = [
    {"key": "greeting", "label": "规范开头语、报工号", "points": 5, "fatal": False},
    {"key": "listening", "label": "耐心倾听，准确把握诉求", "points": 15, "fatal": False},
    {"key": "record", "label": "诉求记录完整准确（时间、地点、事项、诉求人）", "points": 20, "fatal": False},
    {"key": "answer", "label": "政策解答准确、口径统一", "points": 20, "fatal": False},
    {"key": "attitude", "label": "服务态度热情、语气平和", "points": 15, "fatal": False},
    {"key": "language", "label": "使用普通话、用语规范文明", "points": 10, "fatal": False},
    {"key": "efficiency", "label": "处理高效，无不必要等待", "points": 10, "fatal": False},
    {"key": "closing", "label": "规范结束语，告知办理时限", "points": 5, "fatal": False},
    {"key": "abuse", "label": "辱骂、顶撞、嘲讽来电人", "points": 0, "fatal": True},
    {"key": "privacy", "label": "泄露来电人个人信息或举报人信息", "points": 0, "fatal": True},
    {"key": "hangup", "label": "无故挂断来电", "points": 0, "fatal": True},
]


def upgrade() -> None:
    forms = op.create_table(
        "quality_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_forms")),
        sa.UniqueConstraint("code", "version", name="uq_quality_forms_code_version"),
    )
    op.create_index(op.f("ix_quality_forms_code"), "quality_forms", ["code"], unique=False)
    op.create_table(
        "quality_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_quality_samples_call_id_calls")),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_quality_samples_agent_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_samples")),
        sa.UniqueConstraint("call_id", name=op.f("uq_quality_samples_call_id")),
    )
    for column in ("agent_id", "region_code", "week", "status"):
        op.create_index(op.f(f"ix_quality_samples_{column}"), "quality_samples", [column], unique=False)
    op.create_table(
        "quality_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("fatal", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_by", sa.String(length=64), nullable=False),
        sa.Column("scored_at", _TS, nullable=False),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appealed_at", _TS, nullable=True),
        sa.Column("appeal_status", sa.String(length=16), nullable=True),
        sa.Column("appeal_note", sa.Text(), nullable=True),
        sa.Column("appeal_decided_by", sa.String(length=64), nullable=True),
        sa.Column("appeal_decided_at", _TS, nullable=True),
        sa.Column("original_total", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["sample_id"], ["quality_samples.id"], ondelete="CASCADE",
                                name=op.f("fk_quality_scores_sample_id_quality_samples")),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_quality_scores_call_id_calls")),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_quality_scores_agent_id_users")),
        sa.ForeignKeyConstraint(["form_id"], ["quality_forms.id"], name=op.f("fk_quality_scores_form_id_quality_forms")),
        sa.ForeignKeyConstraint(["scored_by_id"], ["users.id"], name=op.f("fk_quality_scores_scored_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_scores")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_quality_scores_sample_id")),
    )
    for column in ("call_id", "agent_id", "scored_at", "appeal_status"):
        op.create_index(op.f(f"ix_quality_scores_{column}"), "quality_scores", [column], unique=False)
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("audio_seconds", sa.Float(), nullable=False),
        sa.Column("processing_seconds", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], ondelete="CASCADE",
                                name=op.f("fk_transcripts_recording_id_recordings")),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_transcripts_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_transcripts_recording_id")),
    )
    op.create_index(op.f("ix_transcripts_call_id"), "transcripts", ["call_id"], unique=False)
    op.create_index(op.f("ix_transcripts_status"), "transcripts", ["status"], unique=False)
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["transcript_id"], ["transcripts.id"], ondelete="CASCADE",
                                name=op.f("fk_transcript_segments_transcript_id_transcripts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_segments")),
    )
    op.create_index(op.f("ix_transcript_segments_transcript_id"), "transcript_segments", ["transcript_id"],
                    unique=False)
    op.bulk_insert(forms, [{"code": "standard", "version": 1, "name": "标准质检评分表", "items": STANDARD_ITEMS,
                            "active": True, "created_by": "system",
                            "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("transcript_segments")
    op.drop_table("transcripts")
    op.drop_table("quality_scores")
    op.drop_table("quality_samples")
    op.drop_table("quality_forms")
