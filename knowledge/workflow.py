"""Knowledge article life cycle (R-28…R-30), pure: 谁提供、谁负责、谁更新, reviewed before use.

draft ──submit──▶ in_review ──approve──▶ published ──retire──▶ retired
  ▲                  │reject                │revise (new version, back to review)
  └──────────────────┘◀─────────────────────┘
Units write and submit their own entries; the hotline (supervisor/admin) approves, rejects
and retires (multi-party review). A published entry keeps serving while its revision is in
review: the revision is a new draft version, published in place only when approved.
"""
from __future__ import annotations

from enum import StrEnum


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class ArticleAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    RETIRE = "retire"


class Side(StrEnum):
    OWNER = "owner"  # the unit that provides the entry
    REVIEWER = "reviewer"  # the hotline centre


TRANSITIONS: dict[tuple[ArticleStatus, ArticleAction], tuple[Side, ArticleStatus]] = {
    (ArticleStatus.DRAFT, ArticleAction.SUBMIT): (Side.OWNER, ArticleStatus.IN_REVIEW),
    (ArticleStatus.IN_REVIEW, ArticleAction.APPROVE): (Side.REVIEWER, ArticleStatus.PUBLISHED),
    (ArticleStatus.IN_REVIEW, ArticleAction.REJECT): (Side.REVIEWER, ArticleStatus.DRAFT),
    (ArticleStatus.PUBLISHED, ArticleAction.RETIRE): (Side.REVIEWER, ArticleStatus.RETIRED),
}


class IllegalArticleTransition(Exception):
    """The action is not allowed from this status or for this side."""


def next_status(status: ArticleStatus, action: ArticleAction, side: Side) -> ArticleStatus:
    """The status after action, or IllegalArticleTransition with a reason in Chinese and English."""
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        raise IllegalArticleTransition(f"知识条目状态为 {status.value}，不能执行 {action.value} "
                                       f"(cannot {action.value} an article that is {status.value})")
    allowed_side, target = rule
    if side is not allowed_side:
        raise IllegalArticleTransition(f"{action.value} 须由{'提供单位' if allowed_side is Side.OWNER else '热线审核人员'}"
                                       f"执行 (only the {allowed_side.value} may {action.value})")
    return target
