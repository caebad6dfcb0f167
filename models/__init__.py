"""ORM models, one file per table; importing this package registers them all on Base.metadata."""
from models.audit_event import AuditEvent
from models.base import Base
from models.org_unit import OrgUnit
from models.region import Region
from models.user import User

__all__ = ["AuditEvent", "Base", "OrgUnit", "Region", "User"]
