"""The work-order (工单) workflow of 第十二条–第十四条 as a pure state machine.

States, actions, which side may take each action from which states, and the one
transition function. No database, no clock: the service layer asks `transition()` and
records what it answers; an illegal step raises IllegalTransition (HTTP 409).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PENDING_INTAKE = "pending_intake"  # 待受理: a written request (portal, mailbox, app …) awaiting an agent
    PENDING_DISPATCH = "pending_dispatch"  # 待转办: accepted, the hotline must dispatch
    OUT_OF_SCOPE = "out_of_scope"  # 不予受理/告知 with a recorded disposition
    DIRECT_ANSWERED = "direct_answered"  # 直接答复办结 at acceptance
    DISPATCHED = "dispatched"  # 已转办, awaiting sign-for
    RETURNED = "returned"  # 已退回 by the unit, awaiting re-dispatch
    IN_PROGRESS = "in_progress"  # 办理中 (signed for, or a redo ticket 重办)
    EXTENSION_REQUESTED = "extension_requested"  # 延期申请待审核
    COMPLETED = "completed"  # 已办结, awaiting callback
    NO_EVALUATION = "no_evaluation"  # 回访未评价: auto-closed after a period
    CLOSED = "closed"  # 满意办结
    REMARK_CLOSED = "remark_closed"  # 备注办结
    AUTO_CLOSED = "auto_closed"  # 未评价自动办结
    TERMINATED = "terminated"  # 终结办理
    DISPUTED = "disputed"  # 满意度申诉, awaiting screening 甄别
    MERGED = "merged"  # 并单: handled as part of another ticket
    ARCHIVED = "archived"  # 归档


class Side(StrEnum):
    HOTLINE = "hotline"  # 12345 centre staff
    UNIT = "unit"  # handling unit (承办单位)
    SYSTEM = "system"  # the scheduler


class Action(StrEnum):
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    PROGRESS = "progress"
    COMPLETE = "complete"
    CALLBACK = "callback"
    AUTO_CLOSE = "auto_close"
    TERMINATE = "terminate"
    DISPUTE = "dispute"
    SCREEN = "screen"
    ARCHIVE = "archive"
    MERGE = "merge"
    ACCEPT = "accept"  # 受理 a request from the intake queue (intake/)


class CallbackResult(StrEnum):
    SATISFIED = "satisfied"
    DISSATISFIED_REASONABLE = "dissatisfied_reasonable"
    DISSATISFIED_UNREASONABLE = "dissatisfied_unreasonable"
    NO_EVALUATION = "no_evaluation"


class IllegalTransition(Exception):
    """An action that the workflow does not allow now (or not for this side)."""

    def __init__(self, message: str, *, status: str, action: str) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.action = action


S, A = Status, Action
HANDLING = frozenset({S.IN_PROGRESS, S.EXTENSION_REQUESTED})
CLOSED_STATES = frozenset({S.CLOSED, S.REMARK_CLOSED, S.AUTO_CLOSED, S.TERMINATED, S.OUT_OF_SCOPE,
                           S.DIRECT_ANSWERED})
TERMINAL = frozenset({S.ARCHIVED, S.MERGED})
# statuses in which a ticket is "open" for the caller (R-07: tell progress instead of a new ticket)
OPEN_STATES = frozenset({S.PENDING_INTAKE, S.PENDING_DISPATCH, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS,
                         S.EXTENSION_REQUESTED, S.COMPLETED, S.NO_EVALUATION})


@dataclass(frozen=True)
class Rule:
    sides: frozenset[Side]
    sources: frozenset[Status]
    target: Status | None  # None: decided by the action's argument (callback, screen) or unchanged


_HOTLINE, _UNIT, _SYSTEM = frozenset({Side.HOTLINE}), frozenset({Side.UNIT}), frozenset({Side.SYSTEM})
RULES: dict[Action, Rule] = {
    A.DISPATCH: Rule(_HOTLINE, frozenset({S.PENDING_DISPATCH, S.RETURNED}), S.DISPATCHED),
    A.SIGN: Rule(_UNIT, frozenset({S.DISPATCHED}), S.IN_PROGRESS),
    A.RETURN: Rule(_UNIT, frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.RETURNED),
    A.REQUEST_EXTENSION: Rule(_UNIT, frozenset({S.IN_PROGRESS}), S.EXTENSION_REQUESTED),
    A.APPROVE_EXTENSION: Rule(_HOTLINE, frozenset({S.EXTENSION_REQUESTED}), S.IN_PROGRESS),
    A.REJECT_EXTENSION: Rule(_HOTLINE, frozenset({S.EXTENSION_REQUESTED}), S.IN_PROGRESS),
    A.PROGRESS: Rule(_UNIT, HANDLING, None),
    A.COMPLETE: Rule(_UNIT, HANDLING, S.COMPLETED),
    A.CALLBACK: Rule(_HOTLINE, frozenset({S.COMPLETED, S.NO_EVALUATION}), None),
    A.AUTO_CLOSE: Rule(_SYSTEM, frozenset({S.NO_EVALUATION}), S.AUTO_CLOSED),
    A.TERMINATE: Rule(_UNIT, HANDLING | {S.COMPLETED}, S.TERMINATED),
    A.DISPUTE: Rule(_UNIT, frozenset({S.REMARK_CLOSED, S.CLOSED}), S.DISPUTED),
    A.SCREEN: Rule(_HOTLINE, frozenset({S.DISPUTED}), None),
    A.ARCHIVE: Rule(_HOTLINE | _SYSTEM, CLOSED_STATES, S.ARCHIVED),
    A.ACCEPT: Rule(_HOTLINE, frozenset({S.PENDING_INTAKE}), None),
    A.MERGE: Rule(_HOTLINE, frozenset({S.PENDING_INTAKE, S.PENDING_DISPATCH, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS,
                                          S.EXTENSION_REQUESTED}), S.MERGED),
}

CALLBACK_TARGETS: dict[CallbackResult, Status] = {
    CallbackResult.SATISFIED: S.CLOSED,
    CallbackResult.DISSATISFIED_REASONABLE: S.IN_PROGRESS,  # 重办: back to the unit, callback again later
    CallbackResult.DISSATISFIED_UNREASONABLE: S.REMARK_CLOSED,
    CallbackResult.NO_EVALUATION: S.NO_EVALUATION,
}

# what acceptance from the intake queue may make of a request; a merge is MERGE
ACCEPT_TARGETS = frozenset({S.PENDING_DISPATCH, S.OUT_OF_SCOPE, S.DIRECT_ANSWERED})

# When several callers of a merged ticket answer differently, the strongest outcome decides.
_CALLBACK_PRECEDENCE = (CallbackResult.DISSATISFIED_REASONABLE, CallbackResult.DISSATISFIED_UNREASONABLE,
                        CallbackResult.SATISFIED, CallbackResult.NO_EVALUATION)

STATUS_LABELS: dict[Status, str] = {
    S.PENDING_INTAKE: "待受理", S.PENDING_DISPATCH: "待转办", S.OUT_OF_SCOPE: "不予受理(已告知)", S.DIRECT_ANSWERED: "直接答复办结",
    S.DISPATCHED: "待签收", S.RETURNED: "已退回", S.IN_PROGRESS: "办理中", S.EXTENSION_REQUESTED: "延期审核中",
    S.COMPLETED: "待回访", S.NO_EVALUATION: "未评价", S.CLOSED: "已办结", S.REMARK_CLOSED: "备注办结",
    S.AUTO_CLOSED: "自动办结", S.TERMINATED: "终结办理", S.DISPUTED: "满意度甄别中", S.MERGED: "已并单",
    S.ARCHIVED: "已归档",
}


def allowed_actions(status: Status | str, side: Side | str) -> list[Action]:
    """Actions a side may take on a ticket in this status (for clients' buttons)."""
    status, side = Status(status), Side(side)
    return [action for action, rule in RULES.items() if side in rule.sides and status in rule.sources]


def transition(
    status: Status | str,
    action: Action | str,
    side: Side | str,
    *,
    callback_result: CallbackResult | str | None = None,
    screen_upheld: bool | None = None,
    resume_status: Status | str | None = None,
    accepted_as: Status | str | None = None,
) -> Status:
    """The status after `side` takes `action` in `status`; IllegalTransition if not allowed.

    callback: the callback_result decides the target. screen: resume_status (the status
    before the dispute) is where the ticket goes back to, whatever the decision.
    PROGRESS leaves the status unchanged. accept: accepted_as (pending_dispatch, out_of_scope
    or direct_answered) is the target.
    """
    status, action, side = _parse(status, action, side)
    rule = RULES[action]
    if side not in rule.sides:
        names = "/".join(_side_label(s) for s in sorted(rule.sides))
        raise IllegalTransition(
            f"“{action.value}” 只能由{names}执行 (only the {'/'.join(sorted(rule.sides))} side may {action.value})",
            status=status.value, action=action.value)
    if status not in rule.sources:
        raise IllegalTransition(
            f"工单状态为“{STATUS_LABELS[status]}”，不能执行 {action.value} "
            f"(cannot {action.value} a ticket in status {status.value})",
            status=status.value, action=action.value)
    if rule.target is not None:
        return rule.target
    if action is A.PROGRESS:
        return status
    if action is A.CALLBACK:
        if callback_result is None:
            raise IllegalTransition("回访须给出结果 (callback needs a result)", status=status.value, action=action.value)
        return CALLBACK_TARGETS[CallbackResult(callback_result)]
    if action is A.ACCEPT:
        if accepted_as is None or accepted_as not in {t.value for t in ACCEPT_TARGETS}:
            raise IllegalTransition("受理须给出结果：待转办、不予受理或直接答复 (accept needs an outcome)",
                                    status=status.value, action=action.value)
        return Status(accepted_as)
    return _screen_target(status, screen_upheld, resume_status)


def combined_callback_result(results: list[CallbackResult | str]) -> CallbackResult:
    """One outcome for a ticket whose callers (merged tickets) answered the callback differently."""
    parsed = {CallbackResult(r) for r in results}
    if not parsed:
        raise ValueError("no callback results")
    return next(r for r in _CALLBACK_PRECEDENCE if r in parsed)


def _screen_target(status: Status, upheld: bool | None, resume: Status | str | None) -> Status:
    if upheld is None or resume is None:
        raise IllegalTransition("甄别须给出结论 (screening needs a decision)", status=status.value, action="screen")
    resume = Status(resume)
    if resume not in RULES[A.DISPUTE].sources:
        raise IllegalTransition(f"无法恢复到状态 {resume.value}", status=status.value, action="screen")
    return resume


def _parse(status, action, side) -> tuple[Status, Action, Side]:
    try:
        return Status(status), Action(action), Side(side)
    except ValueError as error:
        raise IllegalTransition(f"未知的状态、操作或角色 ({error})", status=str(status), action=str(action)) from None


def _side_label(side: Side) -> str:
    return {Side.HOTLINE: "热线中心", Side.UNIT: "承办单位", Side.SYSTEM: "系统"}[side]
