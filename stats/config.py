"""The stats domain's configuration (from Settings) and the display names of segments."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.queues import QUEUES
from core.settings import Settings
from models import OrgUnit
from organisation.units_data import DOMAIN_NAMES
from stats.alarms import AlarmPolicy
from stats.figures import FigurePolicy, Segment, SegmentCatalog, SegmentKind


def parse_queue_map(text: str) -> dict[str, str]:
    """"queue=CODE,queue2=CODE2" → {queue: CODE} (ValueError on anything malformed)."""
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        queue, sep, code = (x.strip() for x in item.partition("="))
        if not sep or not queue or not code:
            raise ValueError(f"expected queue=ORG-CODE, got {item!r}")
        result[queue] = code
    return result


@dataclass(frozen=True)
class StatsConfig:
    figures: FigurePolicy
    alarms: AlarmPolicy
    catalog: SegmentCatalog
    target: float
    tz: ZoneInfo
    patience_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> StatsConfig:
        """Everything the figures, alarms and staffing read from HOTLINE_STATS_* settings."""
        figures = FigurePolicy(service_level_seconds=settings.stats.stats_service_level_seconds,
                               short_abandon_seconds=settings.stats.stats_short_abandon_seconds)
        alarms = AlarmPolicy(threshold=settings.stats.stats_answer_rate_target, min_offered=settings.stats.stats_alarm_min_offered,
                             clear_margin=settings.stats.stats_alarm_clear_margin,
                             window_minutes=settings.stats.stats_alarm_window_minutes)
        catalog = SegmentCatalog(sub_centre_of_queue=parse_queue_map(settings.stats.stats_sub_centre_queues))
        return cls(figures=figures, alarms=alarms, catalog=catalog, target=settings.stats.stats_answer_rate_target,
                   tz=ZoneInfo(settings.worktime.business_timezone), patience_seconds=settings.stats.stats_staffing_patience_seconds)


@dataclass(frozen=True)
class SegmentNames:
    """Chinese names of queues, expert-seat groups and sub-centres; org units of sub-centres."""

    sub_centres: Mapping[str, tuple[int, str]] = field(default_factory=dict)  # code → (unit id, name)

    def name(self, segment: Segment) -> str:
        if segment.kind is SegmentKind.CENTRE:
            return "全中心"
        if segment.kind is SegmentKind.QUEUE:
            queue = QUEUES.get(segment.key)
            return queue.display_name if queue else segment.key
        if segment.kind is SegmentKind.EXPERT_GROUP:
            return f"专家座席·{DOMAIN_NAMES.get(segment.key, segment.key)}"
        if segment.kind is SegmentKind.SUB_CENTRE:
            return self.sub_centres.get(segment.key, (None, segment.key))[1]
        return segment.key

    def org_unit_id(self, segment: Segment) -> int | None:
        """The org unit a segment belongs to (sub-centres), for the supervision record."""
        if segment.kind is SegmentKind.SUB_CENTRE and segment.key in self.sub_centres:
            return self.sub_centres[segment.key][0]
        return None


async def segment_names(session: AsyncSession, catalog: SegmentCatalog) -> SegmentNames:
    """Load the names the catalog's sub-centres need."""
    codes = set(catalog.sub_centre_of_queue.values())
    if not codes:
        return SegmentNames()
    rows = await session.execute(select(OrgUnit.code, OrgUnit.id, OrgUnit.name).where(OrgUnit.code.in_(codes)))
    return SegmentNames({code: (unit_id, name) for code, unit_id, name in rows})
