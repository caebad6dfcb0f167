"""The pure workflow (R-06 … R-21): every legal step, every side rule, every illegal step refused."""
from __future__ import annotations

import pytest

from workorders.state_machine import (
    RULES,
    Action,
    CallbackResult,
    IllegalTransition,
    Side,
    Status,
    allowed_actions,
    combined_callback_result,
    transition,
)

S, A, H, U, SYS = Status, Action, Side.HOTLINE, Side.UNIT, Side.SYSTEM

LEGAL = [
    (S.PENDING_DISPATCH, A.DISPATCH, H, {}, S.DISPATCHED),
    (S.RETURNED, A.DISPATCH, H, {}, S.DISPATCHED),
    (S.DISPATCHED, A.SIGN, U, {}, S.IN_PROGRESS),
    (S.DISPATCHED, A.RETURN, U, {}, S.RETURNED),
    (S.IN_PROGRESS, A.RETURN, U, {}, S.RETURNED),
    (S.IN_PROGRESS, A.REQUEST_EXTENSION, U, {}, S.EXTENSION_REQUESTED),
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION, H, {}, S.IN_PROGRESS),
    (S.EXTENSION_REQUESTED, A.REJECT_EXTENSION, H, {}, S.IN_PROGRESS),
    (S.IN_PROGRESS, A.PROGRESS, U, {}, S.IN_PROGRESS),
    (S.EXTENSION_REQUESTED, A.PROGRESS, U, {}, S.EXTENSION_REQUESTED),
    (S.IN_PROGRESS, A.COMPLETE, U, {}, S.COMPLETED),
    (S.COMPLETED, A.CALLBACK, H, {"callback_result": "satisfied"}, S.CLOSED),
    (S.COMPLETED, A.CALLBACK, H, {"callback_result": "dissatisfied_reasonable"}, S.IN_PROGRESS),
    (S.COMPLETED, A.CALLBACK, H, {"callback_result": "dissatisfied_unreasonable"}, S.REMARK_CLOSED),
    (S.COMPLETED, A.CALLBACK, H, {"callback_result": "no_evaluation"}, S.NO_EVALUATION),
    (S.NO_EVALUATION, A.CALLBACK, H, {"callback_result": "satisfied"}, S.CLOSED),
    (S.NO_EVALUATION, A.AUTO_CLOSE, SYS, {}, S.AUTO_CLOSED),
    (S.IN_PROGRESS, A.TERMINATE, U, {}, S.TERMINATED),
    (S.COMPLETED, A.TERMINATE, U, {}, S.TERMINATED),
    (S.REMARK_CLOSED, A.DISPUTE, U, {}, S.DISPUTED),
    (S.DISPUTED, A.SCREEN, H, {"screen_upheld": True, "resume_status": "remark_closed"}, S.REMARK_CLOSED),
    (S.DISPUTED, A.SCREEN, H, {"screen_upheld": False, "resume_status": "closed"}, S.CLOSED),
    (S.CLOSED, A.ARCHIVE, H, {}, S.ARCHIVED),
    (S.AUTO_CLOSED, A.ARCHIVE, SYS, {}, S.ARCHIVED),
    (S.OUT_OF_SCOPE, A.ARCHIVE, H, {}, S.ARCHIVED),
    (S.DIRECT_ANSWERED, A.ARCHIVE, H, {}, S.ARCHIVED),
    (S.TERMINATED, A.ARCHIVE, H, {}, S.ARCHIVED),
    (S.PENDING_DISPATCH, A.MERGE, H, {}, S.MERGED),
]


@pytest.mark.parametrize(("status", "action", "side", "kwargs", "expected"), LEGAL)
def test_legal_transitions(status, action, side, kwargs, expected):
    assert transition(status, action, side, **kwargs) is expected


def test_every_status_action_pair_outside_the_rules_is_refused():
    legal = {(status, action) for action, rule in RULES.items() for status in rule.sources}
    refused = 0
    for status in Status:
        for action in Action:
            if (status, action) in legal:
                continue
            side = next(iter(RULES[action].sides))
            with pytest.raises(IllegalTransition) as error:
                transition(status, action, side, callback_result="satisfied", screen_upheld=True,
                           resume_status="closed")
            assert status.value in error.value.message
            refused += 1
    assert refused > 150


@pytest.mark.parametrize(("status", "action", "wrong_side"), [
    (S.PENDING_DISPATCH, A.DISPATCH, U),  # units never dispatch
    (S.DISPATCHED, A.SIGN, H),  # the hotline cannot sign for a unit
    (S.IN_PROGRESS, A.COMPLETE, H),
    (S.COMPLETED, A.CALLBACK, U),  # a unit never records its own satisfaction
    (S.DISPUTED, A.SCREEN, U),  # nor screens it
    (S.NO_EVALUATION, A.AUTO_CLOSE, H),  # auto-close is the scheduler's
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION, U),
])
def test_side_rules(status, action, wrong_side):
    with pytest.raises(IllegalTransition, match="只能由"):
        transition(status, action, wrong_side)


def test_terminal_states_allow_nothing():
    for status in (S.ARCHIVED, S.MERGED):
        for side in Side:
            assert allowed_actions(status, side) == []


def test_allowed_actions_per_side():
    assert allowed_actions(S.DISPATCHED, U) == [A.SIGN, A.RETURN]
    assert set(allowed_actions(S.IN_PROGRESS, U)) == {A.RETURN, A.REQUEST_EXTENSION, A.PROGRESS, A.COMPLETE,
                                                       A.TERMINATE}
    assert allowed_actions(S.IN_PROGRESS, H) == [A.MERGE]


def test_callback_and_screen_need_their_argument():
    with pytest.raises(IllegalTransition):
        transition(S.COMPLETED, A.CALLBACK, H)
    with pytest.raises(IllegalTransition):
        transition(S.DISPUTED, A.SCREEN, H, screen_upheld=True)
    with pytest.raises(IllegalTransition):
        transition(S.DISPUTED, A.SCREEN, H, screen_upheld=True, resume_status="in_progress")


def test_unknown_values_are_illegal_not_crashes():
    with pytest.raises(IllegalTransition):
        transition("nonsense", "sign", "unit")
    with pytest.raises(IllegalTransition):
        transition("dispatched", "fly", "unit")


@pytest.mark.parametrize(("results", "expected"), [
    (["satisfied"], CallbackResult.SATISFIED),
    (["satisfied", "no_evaluation"], CallbackResult.SATISFIED),
    (["satisfied", "dissatisfied_unreasonable"], CallbackResult.DISSATISFIED_UNREASONABLE),
    (["dissatisfied_unreasonable", "dissatisfied_reasonable", "satisfied"], CallbackResult.DISSATISFIED_REASONABLE),
    (["no_evaluation", "no_evaluation"], CallbackResult.NO_EVALUATION),
])
def test_merged_callers_outcome(results, expected):
    assert combined_callback_result(results) is expected
