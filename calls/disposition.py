"""A call's final disposition (pure). The answer rate (接通率, R-05) counts `answered`,
`transferred` and `emergency` as answered and `abandoned` as lost; `ivr_ended` (the caller
was served by the voice menu) and `blocked` (R-26) are outside it."""
from __future__ import annotations

ANSWERED_LIKE = ("answered", "transferred", "emergency")


def final_disposition(*, phase: str, answered: bool, emergency: bool = False, transferred: bool = False,
                      blocked: bool = False) -> str:
    """What happened to the call, from what the call flow knows when it ends."""
    if blocked:
        return "blocked"
    if emergency:
        return "emergency"
    if answered:
        return "transferred" if transferred else "answered"
    if phase in ("queued", "ringing"):
        return "abandoned"
    return "ivr_ended"
