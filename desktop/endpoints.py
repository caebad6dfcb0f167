"""Desktop API: the signed-in seat's softphone account and the expert seats for transfers."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from access.permissions import Permission
from access.principal import Principal
from api.deps import ResourcesDep, SessionDep, require
from audit.service import record
from desktop import service
from desktop.schemas import ExpertSeatOut, SoftphoneOut
from desktop.softphone import softphone_config

router = APIRouter(prefix="/desktop", tags=["desktop"])
Seat = Annotated[Principal, Depends(require(Permission.ACD_SELF))]
Controller = Annotated[Principal, Depends(require(Permission.CALL_CONTROL))]


@router.get("/softphone", response_model=SoftphoneOut)
async def softphone(principal: Seat, session: SessionDep, resources: ResourcesDep,
                    response: Response) -> SoftphoneOut:
    """The SIP account of one's own browser softphone (its password included; audited)."""
    config = softphone_config(resources.settings, extension=principal.extension,
                              display_name=principal.display_name)
    await record(session, action="softphone_credentials_issued", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="sip_endpoint", resource_id=config.endpoint)
    await session.commit()
    response.headers["Cache-Control"] = "no-store"
    return config


@router.get("/experts", response_model=list[ExpertSeatOut])
async def experts(_: Controller, session: SessionDep) -> list[ExpertSeatOut]:
    """Expert seats (专家座席) by department, for blind or attended transfers (R-06)."""
    return await service.expert_seats(session)
