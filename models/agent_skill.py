"""ACD skills of agents and expert seats: which queues a person can be offered calls from."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AgentSkill(Base):
    """One skill of one user (e.g. `general`, `enterprise`, `expert:housing`)."""

    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill", name="uq_agent_skills_user_skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(48))
