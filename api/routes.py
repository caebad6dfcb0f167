"""The one place routers are wired: public ones, and the /api/v1 ones behind authentication."""
from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from accounts import endpoints as accounts
from acd import endpoints as acd
from analytics import endpoints as analytics
from api import health
from audit import endpoints as audit
from callbacks import endpoints as callbacks
from calls import endpoints as calls
from calls import monitor_endpoints as call_monitor
from calls import outbound_endpoints as outbound_calls
from clients import endpoints as clients
from desktop import endpoints as desktop
from desktop.static import mount_static
from intake import endpoints as intake
from knowledge import endpoints as knowledge
from organisation import endpoints as organisation
from portal import endpoints as portal
from portal.pages import mount_portal
from quality import endpoints as quality
from realtime import endpoints as realtime
from recordings import endpoints as recordings
from reports import endpoints as reports
from reports.pages import mount_reports
from stats import endpoints as stats
from stats import pages as stats_pages
from transcription import endpoints as transcription
from web.deps import current_principal
from workbench import endpoints as workbench
from workbench.pages import mount_workbench
from workorders import attachment_endpoints as ticket_attachments
from workorders import endpoints as workorders
from workorders import interviews, supervision
from workorders import notification_endpoints as notifications
from worktime import endpoints as worktime

API_PREFIX = "/api/v1"

# Routes reachable without a token. Everything else requires authentication (tested).
PUBLIC_ROUTERS: list[APIRouter] = [accounts.public_router, knowledge.public_router]
PUBLIC_ROUTERS += [callbacks.public_router]  # the SMS gateway's replies (a shared token, callbacks/endpoints.py)

PUBLIC_ROUTERS += [portal.router]  # the citizen portal: submit, track, evaluate (portal/)

PROTECTED_ROUTERS: list[APIRouter] = [accounts.router, organisation.router, audit.router, desktop.router]

PROTECTED_ROUTERS += [knowledge.router]  # knowledge base (knowledge/)

# work orders and supervision (workorders/), the calendar and the time-limit policy (worktime/)
PROTECTED_ROUTERS += [workorders.router, ticket_attachments.router, worktime.calendar_router, worktime.policy_router, supervision.router,
                      interviews.router]

# telephony: ACD states/queues, call records + call control, block list, recordings
PROTECTED_ROUTERS += [acd.router, calls.router, calls.urgency_router, calls.blocklist_router, recordings.router]

PROTECTED_ROUTERS += [call_monitor.router]  # supervisors listen / whisper / barge (calls/monitor_endpoints.py)

PROTECTED_ROUTERS += [stats.router]  # answer rate, wallboard snapshot, alarms, staffing (stats/)

PROTECTED_ROUTERS += [workbench.router]  # working time left on deadlines (workbench/)

# calling citizens back: surveys, missed-call tasks (callbacks/); click-to-call (calls/outbound_endpoints.py)
PROTECTED_ROUTERS += [callbacks.router, outbound_calls.router]
PROTECTED_ROUTERS += [analytics.router, reports.router, reports.scorecard_router]  # hot topics, alerts, reports, scorecards
PROTECTED_ROUTERS += [intake.router]  # the intake queue (受理) of written requests (intake/)
PROTECTED_ROUTERS += [clients.router]  # API client administration, their callbacks (clients/)

# Routes an API client's token reaches (open API: hand-over, status, the feed): each names its
# scope (web.deps.require_scope); every other /api/v1 route refuses a client token (403)
CLIENT_ROUTERS: list[APIRouter] = [clients.client_router]

PROTECTED_ROUTERS += [notifications.router]  # a person's kept ticket notifications (workorders/notifications.py)

PROTECTED_ROUTERS += [quality.router, transcription.router]  # quality inspection (quality/), transcripts (transcription/)


def include_routes(app: FastAPI) -> None:
    """Attach every router to app."""
    app.include_router(health.router)
    app.include_router(realtime.router)  # websockets authenticate with their first frame
    app.include_router(stats_pages.router)  # /metrics: public, cached aggregate figures
    for router in PUBLIC_ROUTERS + CLIENT_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    protected = APIRouter(prefix=API_PREFIX, dependencies=[Depends(current_principal)])
    for router in PROTECTED_ROUTERS:
        protected.include_router(router)
    app.include_router(protected)
    mount_static(app)  # the agent desktop's pages (public files; their API calls need a token)
    stats_pages.mount_wallboard(app)  # /wallboard page (public files; its data needs a supervisor's token)
    mount_reports(app)  # /reports: period reports and scorecards (public files; the API scopes their data)
    mount_workbench(app)  # /workbench: the ticket workbench's pages (public files; the API scopes their data)
    mount_portal(app)  # /portal: the citizen portal's pages (public; its API is /api/v1/public)
