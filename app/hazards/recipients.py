"""Who is told about a hazard (站内消息 through app.notifications): the enterprise's safety managers, the
responsible officers of its 指令书, the section heads of the issuing agency."""

from __future__ import annotations

from app.auth.models import User
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.hazards.models import Hazard, RectificationOrder


def enterprise_managers(hazard: Hazard | RectificationOrder) -> list[User]:
    """The safety managers of the hazard's (or the 指令书's) enterprise, and no one else's."""
    return users_with_role(Role.ENTERPRISE, enterprise_id=hazard.enterprise_id)


def responsible_officers(hazard: Hazard) -> list[User]:
    """The registering officer and the co-signing officer of the 指令书."""
    users = [hazard.found_by]
    if hazard.order.co_officer is not None:
        users.append(hazard.order.co_officer)
    return [u for u in dict.fromkeys(users) if u is not None and u.is_active]


def section_heads(hazard: Hazard) -> list[User]:
    """Section heads of the issuing agency whose jurisdiction covers the hazard."""
    return users_with_role(
        Role.SECTION_HEAD,
        region_path=hazard.region_path,
        enterprise_id=hazard.enterprise_id,
        agency_id=hazard.order.agency_id,
    )
