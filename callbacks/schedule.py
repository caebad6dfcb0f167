"""The survey's pure rules: the calling window, when a try is due, what a busy line or no answer
leads to, which tickets a region samples, what three keyed answers mean for the ticket.

No database, no clock of its own: every function takes the moment it decides for.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
QUESTIONS = ("speed", "resolution", "overall")  # 办理时效, 解决情况, 满意度
KEYS = ("1", "2", "3")  # 1 满意/已解决, 2 基本满意/部分解决, 3 不满意/未解决
RETRY_RESULTS = ("busy", "no_answer", "failed")


class BadSetting(ValueError):
    """A malformed survey setting (the start fails, not a call)."""


@dataclass(frozen=True)
class Window:
    """Calling periods of a day, Beijing time: [(start, end)], end may be 24:00."""

    periods: tuple[tuple[int, int], ...]  # minutes since midnight

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(BEIJING)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.periods)

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when the window is open, else the next period's start."""
        if self.open_at(moment):
            return moment
        local = moment.astimezone(BEIJING)
        for day in range(2):
            date = (local + timedelta(days=day)).date()
            for start, _ in self.periods:
                candidate = datetime.combine(date, time(start // 60, start % 60), BEIJING)
                if candidate > local:
                    return candidate
        raise BadSetting("the calling window has no period")


def parse_window(text: str) -> Window:
    """`09:00-12:00,14:00-20:00` (Beijing time); `00:00-24:00` is always open."""
    periods = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            start_text, end_text = part.split("-")
            start, end = _minutes(start_text), _minutes(end_text)
        except ValueError as exc:
            raise BadSetting(f"HOTLINE_SURVEY_CALL_WINDOW: bad period {part!r}") from exc
        if not 0 <= start < end <= 24 * 60:
            raise BadSetting(f"HOTLINE_SURVEY_CALL_WINDOW: bad period {part!r}")
        periods.append((start, end))
    if not periods:
        raise BadSetting("HOTLINE_SURVEY_CALL_WINDOW: no period")
    return Window(tuple(sorted(periods)))


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60):
        raise ValueError(text)
    return value


def first_due(completed_at: datetime, delay_minutes: int, window: Window) -> datetime:
    """When a completed ticket's survey is first tried: after the delay, inside the window."""
    return window.next_open(completed_at + timedelta(minutes=delay_minutes))


@dataclass(frozen=True)
class AfterTry:
    """What follows one phone try: call again at `due_at`, or give up (`status`)."""

    status: str  # scheduled | done | unreached
    due_at: datetime | None = None


def after_try(result: str, *, attempts: int, max_attempts: int, now: datetime, retry_minutes: int,
              window: Window) -> AfterTry:
    """answered → done; busy / no answer / failed → again after `retry_minutes` (inside the
    window) until `max_attempts` tries were made, then unreached."""
    if result == "answered":
        return AfterTry("done")
    if attempts >= max_attempts:
        return AfterTry("unreached")
    return AfterTry("scheduled", window.next_open(now + timedelta(minutes=retry_minutes)))


def parse_shares(text: str) -> dict[str, float]:
    """`510100=1 510700=0.3` (space or comma separated): the share of tickets each region
    surveys (a code's prefix covers its districts: 5107 for Mianyang's)."""
    shares = {}
    for part in text.replace(",", " ").split():
        try:
            code, value = part.split("=")
            share = float(value)
        except ValueError as exc:
            raise BadSetting(f"HOTLINE_SURVEY_SAMPLE: bad entry {part!r}") from exc
        if not code.isdigit() or not 0.0 <= share <= 1.0:
            raise BadSetting(f"HOTLINE_SURVEY_SAMPLE: bad entry {part!r}")
        shares[code.rstrip("0") or code] = share
    return shares


def share_for(shares: dict[str, float], region_code: str | None) -> float:
    """The longest configured prefix of the region decides; no entry: every ticket (1.0)."""
    code = region_code or ""
    best = max((prefix for prefix in shares if code.startswith(prefix)), key=len, default=None)
    return 1.0 if best is None else shares[best]


def sampled(ticket_id: int, callback_round: int, share: float) -> bool:
    """A random but reproducible draw per ticket and round (two schedulers draw alike)."""
    if share >= 1.0:
        return True
    if share <= 0.0:
        return False
    digest = hashlib.sha256(f"survey:{ticket_id}:{callback_round}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def in_regions(region_code: str | None, prefixes: str) -> bool:
    code = region_code or ""
    return any(code.startswith(p.rstrip("0") or p) for p in prefixes.replace(",", " ").split())


def outcome_of(answers: dict[str, str | None]) -> str:
    """The ticket's callback result (workorders CallbackResult value) from the three answers.

    Overall 1 or 2 → satisfied (closed, R-17). Overall 3 → dissatisfied: reasonable (重办, R-18)
    when the matter is also reported unresolved (resolution 3: the unit should have acted and did
    not), otherwise unreasonable (备注办结, R-19). No overall answer → no evaluation (R-17)."""
    overall = answers.get("overall")
    if overall in ("1", "2"):
        return "satisfied"
    if overall == "3":
        return "dissatisfied_reasonable" if answers.get("resolution") == "3" else "dissatisfied_unreasonable"
    return "no_evaluation"


def parse_sms_reply(text: str) -> dict[str, str] | None:
    """A citizen's SMS reply: one key (overall satisfaction) or three (speed, resolution,
    overall), digits 1–3 with anything between (`1 1 2`, `112`, `满意1`); None if unreadable."""
    digits = [c for c in text if c.isdigit()]
    if not digits or any(d not in KEYS for d in digits):
        return None
    if len(digits) == 1:
        return {"overall": digits[0]}
    if len(digits) == 3:
        return dict(zip(QUESTIONS, digits, strict=True))
    return None


def missed_due(abandoned_at: datetime, minutes: int) -> datetime:
    return abandoned_at + timedelta(minutes=minutes)
