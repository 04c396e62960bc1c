"""Roles of SafeLoop users. A user may hold several."""

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    LEGAL_REVIEWER = "legal_reviewer"
    LEADER = "leader"
    SECTION_HEAD = "section_head"
    ENTERPRISE = "enterprise_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OFFICER: "执法人员",
    Role.LEGAL_REVIEWER: "法制审核人员",
    Role.LEADER: "负责人/分管领导",
    Role.SECTION_HEAD: "科室负责人",
    Role.ENTERPRISE: "企业安全管理人员",
    Role.SUPERVISOR: "统计/台账管理员",
    Role.ADMIN: "系统管理员",
}

# roles whose data scope is a jurisdiction (department region subtree)
STAFF_ROLES = frozenset(
    {Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.SECTION_HEAD, Role.SUPERVISOR, Role.ADMIN}
)
