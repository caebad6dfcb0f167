"""The permission matrix: which role may do what. The one place roles are interpreted."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 热线管理员
    SUPERVISOR = "supervisor"  # 班长/质检
    AGENT = "agent"  # 话务员
    EXPERT = "expert"  # 专家座席
    UNIT_STAFF = "unit_staff"  # 承办单位工作人员
    UNIT_LEADER = "unit_leader"  # 承办单位负责人
    AUDITOR = "auditor"  # 审计 (只读)


class Permission(StrEnum):
    ORG_READ = "org:read"
    ORG_WRITE = "org:write"
    USER_READ = "user:read"
    USER_WRITE = "user:write"
    AUDIT_READ = "audit:read"
    CALENDAR_READ = "calendar:read"
    CALENDAR_WRITE = "calendar:write"
    POLICY_WRITE = "policy:write"
    TICKET_CREATE = "ticket:create"
    TICKET_READ = "ticket:read"
    TICKET_DISPATCH = "ticket:dispatch"  # dispatch, approve extensions, callback, screening
    TICKET_HANDLE = "ticket:handle"  # sign, return, progress, complete (handling units)
    TICKET_APPROVE = "ticket:approve"  # unit-side approvals (extension request, termination)
    PERSONAL_DATA_READ = "personal:read"  # caller name and phone
    CALL_READ = "call:read"
    CALL_CONTROL = "call:control"
    CALL_MONITOR = "call:monitor"  # listen to, whisper into, barge into a live call (supervisors)
    # Recordings belong to the hotline side, never to handling units:
    RECORDING_READ = "recording:read"  # recordings of calls one's own seat took part in
    RECORDING_REVIEW = "recording:review"  # every recording of one's region (quality, audit)
    ACD_SELF = "acd:self"
    ACD_MANAGE = "acd:manage"
    STATS_READ = "stats:read"  # aggregate figures: queues, segments, alarms, staffing
    SEAT_STATS_READ = "stats:seats"  # per-seat states, not-ready reasons and figures: hotline side only
    BLOCKLIST_WRITE = "blocklist:write"
    KNOWLEDGE_WRITE = "knowledge:write"  # author entries of one's own unit
    KNOWLEDGE_REVIEW = "knowledge:review"  # hotline review: approve, reject, retire
    # quality inspection (质检, R-23): hotline side only, like the recordings it listens to
    QUALITY_SCORE = "quality:score"  # draw samples, score calls, decide appeals, edit scoring forms
    QUALITY_READ = "quality:read"  # scores and results of one's region, transcripts search
    QUALITY_SELF = "quality:self"  # one's own scores, and the one appeal against each
    # Scopes of API clients (open API, R-01 / R-03 / R-33): held by a client principal only as
    # granted to it (Principal.scopes); among the roles only the admin holds them (all permissions)
    REQUESTS_CREATE = "requests:create"  # hand a request over (app, 川渝, national platform)
    REQUESTS_STATUS = "requests:status"  # read the status of one's own handed-over requests
    FEED_READ = "feed:read"  # the province event feed


P = Permission
_READ_ALL = {P.ORG_READ, P.USER_READ, P.CALENDAR_READ, P.TICKET_READ, P.CALL_READ, P.STATS_READ, P.SEAT_STATS_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        _READ_ALL
        | {P.TICKET_CREATE, P.TICKET_DISPATCH, P.PERSONAL_DATA_READ, P.CALL_CONTROL, P.ACD_SELF,
           P.ACD_MANAGE, P.BLOCKLIST_WRITE, P.KNOWLEDGE_WRITE, P.KNOWLEDGE_REVIEW, P.RECORDING_READ,
           P.RECORDING_REVIEW, P.QUALITY_SCORE, P.QUALITY_READ, P.CALL_MONITOR}
    ),
    Role.AGENT: frozenset(
        {P.ORG_READ, P.CALENDAR_READ, P.TICKET_CREATE, P.TICKET_READ, P.TICKET_DISPATCH,
         P.PERSONAL_DATA_READ, P.CALL_READ, P.CALL_CONTROL, P.ACD_SELF, P.RECORDING_READ, P.QUALITY_SELF}
    ),
    Role.EXPERT: frozenset({P.ORG_READ, P.CALENDAR_READ, P.TICKET_READ, P.CALL_READ, P.CALL_CONTROL, P.ACD_SELF,
                            P.RECORDING_READ, P.QUALITY_SELF}),
    Role.UNIT_STAFF: frozenset({P.ORG_READ, P.CALENDAR_READ, P.TICKET_READ, P.TICKET_HANDLE, P.PERSONAL_DATA_READ}),
    Role.UNIT_LEADER: frozenset(
        {P.ORG_READ, P.CALENDAR_READ, P.TICKET_READ, P.TICKET_HANDLE, P.TICKET_APPROVE, P.PERSONAL_DATA_READ,
         P.STATS_READ, P.KNOWLEDGE_WRITE}
    ),
    Role.AUDITOR: frozenset(_READ_ALL | {P.AUDIT_READ, P.PERSONAL_DATA_READ, P.RECORDING_READ, P.RECORDING_REVIEW,
                                           P.QUALITY_READ}),
}


# what an API client may be granted (POST /api/v1/api-clients "scopes")
CLIENT_SCOPES = (Permission.REQUESTS_CREATE, Permission.REQUESTS_STATUS, Permission.FEED_READ)


def has_permission(role: str, permission: Permission) -> bool:
    """True when role holds permission."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
