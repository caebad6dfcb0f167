"""ORM models, one file per table; importing this package registers them all on Base.metadata."""
from models.agent_skill import AgentSkill
from models.analytics import AnalyticsAlert, ScorecardWeights, TicketTopic
from models.answer_rate_alarm import AnswerRateAlarm
from models.api_client import ApiClient, ApiRequest, WebhookDelivery
from models.audit_event import AuditEvent
from models.base import Base
from models.blocked_caller import BlockedCaller
from models.calendar_day import CalendarDay
from models.call import Call
from models.call_event import CallEvent
from models.callback_survey import CallbackSurvey
from models.callback_task import CallbackTask
from models.dispatch_precedent import DispatchPrecedent
from models.intake_request import IntakeRequest
from models.knowledge_article import KnowledgeArticle
from models.knowledge_feedback import KnowledgeFeedback
from models.knowledge_revision import KnowledgeRevision
from models.mailbox_message import MailboxMessage
from models.notification import (
    Notification,
    NotificationRead,
    NotificationReadThrough,
    NotificationRole,
    NotificationUnit,
)
from models.org_unit import OrgUnit
from models.outbox_consumer import OutboxConsumer
from models.outbox_event import OutboxEvent
from models.quality import QualityForm, QualitySample, QualityScore
from models.recording import Recording
from models.region import Region
from models.seat_secret import SeatSecret
from models.supervision_interview import SupervisionInterview
from models.supervision_read import SupervisionRead
from models.supervision_record import SupervisionRecord
from models.ticket import Ticket
from models.ticket_assignment import TicketAssignment
from models.ticket_attachment import TicketAttachment
from models.ticket_caller import TicketCaller
from models.ticket_event import TicketEvent
from models.ticket_sequence import TicketSequence
from models.time_limit_policy import TimeLimitPolicyVersion
from models.transcript import Transcript, TranscriptSegment
from models.user import User

__all__ = [
    "AgentSkill",
    "AnalyticsAlert",
    "AnswerRateAlarm",
    "ApiClient",
    "ApiRequest",
    "AuditEvent",
    "Base",
    "BlockedCaller",
    "CalendarDay",
    "Call",
    "CallEvent",
    "CallbackSurvey",
    "CallbackTask",
    "DispatchPrecedent",
    "IntakeRequest",
    "KnowledgeArticle",
    "KnowledgeFeedback",
    "KnowledgeRevision",
    "MailboxMessage",
    "Notification",
    "NotificationRead",
    "NotificationReadThrough",
    "NotificationRole",
    "NotificationUnit",
    "OrgUnit",
    "OutboxConsumer",
    "OutboxEvent",
    "Recording",
    "Region",
    "ScorecardWeights",
    "SeatSecret",
    "SupervisionInterview",
    "SupervisionRead",
    "SupervisionRecord",
    "Ticket",
    "TicketAssignment",
    "TicketAttachment",
    "TicketCaller",
    "TicketEvent",
    "TicketSequence",
    "TicketTopic",
    "TimeLimitPolicyVersion",
    "User",
    "WebhookDelivery",
]
# quality inspection (quality/) and transcripts of recordings (transcription/)
__all__ += ["QualityForm", "QualitySample", "QualityScore", "Transcript", "TranscriptSegment"]
