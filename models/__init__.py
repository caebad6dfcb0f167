"""ORM models, one file per table; importing this package registers them all on Base.metadata."""
from models.audit_event import AuditEvent
from models.base import Base
from models.org_unit import OrgUnit
from models.region import Region
from models.user import User

__all__ = ["AuditEvent", "Base", "OrgUnit", "Region", "User"]
from models.calendar_day import CalendarDay  # noqa: E402  (workorders)
from models.time_limit_policy import TimeLimitPolicyVersion  # noqa: E402  (workorders)
from models.dispatch_precedent import DispatchPrecedent  # noqa: E402  (workorders)
from models.ticket import Ticket  # noqa: E402  (workorders)
from models.ticket_caller import TicketCaller  # noqa: E402  (workorders)
from models.ticket_assignment import TicketAssignment  # noqa: E402  (workorders)
from models.ticket_event import TicketEvent  # noqa: E402  (workorders)
from models.ticket_sequence import TicketSequence  # noqa: E402  (workorders)
from models.supervision_record import SupervisionRecord  # noqa: E402  (workorders)
from models.call import Call  # noqa: E402  (telephony)
from models.call_event import CallEvent  # noqa: E402  (telephony)
from models.recording import Recording  # noqa: E402  (telephony)
from models.blocked_caller import BlockedCaller  # noqa: E402  (telephony)
from models.agent_skill import AgentSkill  # noqa: E402  (telephony)
from models.answer_rate_alarm import AnswerRateAlarm  # noqa: E402  (stats)
from models.knowledge_article import KnowledgeArticle  # noqa: E402  (knowledge)
from models.knowledge_revision import KnowledgeRevision  # noqa: E402  (knowledge)
from models.knowledge_feedback import KnowledgeFeedback  # noqa: E402  (knowledge)
