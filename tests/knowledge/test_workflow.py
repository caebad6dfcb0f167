"""Knowledge entry life cycle, pure (R-29: the provider writes, R-30: the hotline reviews)."""
from __future__ import annotations

import pytest

from knowledge.workflow import ArticleAction as A
from knowledge.workflow import ArticleStatus as S
from knowledge.workflow import IllegalArticleTransition, Side, next_status


@pytest.mark.parametrize(("status", "action", "side", "expected"), [
    (S.DRAFT, A.SUBMIT, Side.OWNER, S.IN_REVIEW),
    (S.IN_REVIEW, A.APPROVE, Side.REVIEWER, S.PUBLISHED),
    (S.IN_REVIEW, A.REJECT, Side.REVIEWER, S.DRAFT),
    (S.PUBLISHED, A.RETIRE, Side.REVIEWER, S.RETIRED),
])
def test_allowed_steps(status, action, side, expected):
    assert next_status(status, action, side) is expected


@pytest.mark.parametrize(("status", "action", "side"), [
    (S.DRAFT, A.APPROVE, Side.REVIEWER),  # never published without review
    (S.DRAFT, A.SUBMIT, Side.REVIEWER),  # the provider submits, not the reviewer
    (S.IN_REVIEW, A.APPROVE, Side.OWNER),  # a unit cannot approve its own entry
    (S.RETIRED, A.SUBMIT, Side.OWNER),
    (S.PUBLISHED, A.RETIRE, Side.OWNER),
])
def test_refused_steps(status, action, side):
    with pytest.raises(IllegalArticleTransition):
        next_status(status, action, side)
