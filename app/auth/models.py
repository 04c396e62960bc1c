"""Users, their roles and session version, and the security log of login attempts."""

from __future__ import annotations

from datetime import date, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, bindparam, func, select
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from app.auth.roles import ROLE_LABELS, STAFF_ROLES, Role
from app.db import TimestampMixin, UTCDateTime
from app.extensions import db
from app.org.models import Department, Enterprise, Region

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(50), comment="姓名")
    password_hash: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    cert_no: Mapped[str | None] = mapped_column(String(30), comment="执法证号")
    cert_issued_on: Mapped[date | None] = mapped_column(Date, comment="执法证发证日期")
    cert_expires_on: Mapped[date | None] = mapped_column(Date, comment="执法证有效期至")
    legal_qualification_no: Mapped[str | None] = mapped_column(String(40), comment="法律职业资格证书编号")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    # Part of every session's user id ("<id>:<version>", get_id): raising it ends every existing session
    # of the user (logout, password change or reset, role or unit change, deactivation): end_sessions().
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    department: Mapped[Department | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Filled by load_active() (every request): role names and (department id, region path) read with the
    # user row, so a request needs no role or jurisdiction objects. Once role_rows or department are
    # loaded in the session (someone edits them), those win.
    _request_roles = None  # frozenset of role names
    _request_scope = None  # (department id, its region path)

    # --- sessions --------------------------------------------------------------------------------
    def get_id(self) -> str:
        """What Flask-Login keeps in the session (and a remember cookie): the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @classmethod
    def load_session(cls, session_id: str) -> User | None:
        """The user of a session id made by get_id, or None once that session has ended (Flask-Login's
        user loader, every request): the version is compared on the row load_active reads anyway."""
        uid, sep, version = session_id.partition(":")
        if not sep or not uid.isdigit() or not version.isdigit():
            return None  # no version (a session from before versions existed) or not ours: log in again
        return cls.load_active(int(uid), session_version=int(version))

    @classmethod
    def load_active(cls, user_id: int, *, session_version: int | None = None) -> User | None:
        """The active user with this id, roles and jurisdiction included: one statement (Flask-Login).
        With `session_version`: None unless the user's sessions of that version are still valid.
        Without it, a user this transaction already read so (and has not expired since) is not read again."""
        if session_version is None:
            known = db.session.identity_map.get(identity_key(cls, user_id))
            if known is not None and known._request_roles is not None and "is_active_flag" in known.__dict__:
                return known if known.is_active else None
        row = db.session.execute(_LOAD_ACTIVE, {"user_id": user_id}).one_or_none()
        if row is None or not row[0].is_active:
            return None
        if session_version is not None and row[0].session_version != session_version:
            return None
        return cls._with_roles_and_scope(*row)

    @classmethod
    def load_active_many(cls, user_ids) -> dict[int, User]:
        """id -> user for the active users among `user_ids`, as load_active reads one: one statement for all."""
        rows = db.session.execute(_LOAD_ACTIVE_MANY, {"user_ids": sorted(set(user_ids))})
        return {u.id: u for u in (cls._with_roles_and_scope(*row) for row in rows) if u.is_active}

    @staticmethod
    def _with_roles_and_scope(user: User, path: str | None, roles: str | None) -> User:
        user._request_roles = frozenset(roles.split(",")) if roles else frozenset()
        user._request_scope = (user.department_id, path)
        return user

    # --- passwords -------------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        return _verify(self.password_hash, password)

    # --- roles -----------------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[str]:
        if self._request_roles is not None and "role_rows" not in self.__dict__:
            return self._request_roles
        return frozenset(r.role for r in self.role_rows)

    def set_roles(self, roles) -> None:
        self._request_roles = None
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = self.roles
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def cert_valid_on(self, day: date) -> bool:
        """Holds an enforcement certificate (执法证) valid on `day` (Art.42: only certified officers act). A
        certificate whose expiry is not on record cannot be shown to be valid."""
        if not (self.cert_no or "").strip() or not self.is_active_flag:
            return False
        return self.cert_expires_on is not None and self.cert_expires_on >= day

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[Role(r)] for r in sorted(self.roles)]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_enterprise_user(self) -> bool:
        return Role.ENTERPRISE in self.roles and not (self.roles & STAFF_ROLES)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.is_active_flag)

    # --- data scope ------------------------------------------------------------------------------
    @property
    def scope_path(self) -> str | None:
        """Region path prefix of the user's jurisdiction; '' = everything (admin without dept)."""
        if self.is_enterprise_user:
            return None
        loaded = self._request_scope
        department = self.__dict__.get("department", self)  # self: the relationship was not loaded
        department_id = self.department_id if department is self else getattr(department, "id", None)
        if loaded is not None and loaded[0] == department_id:  # the department read with the user, unchanged
            path = loaded[1]
        else:
            path = self.department.region.path if self.department is not None else None
        if path is not None:
            return path
        return "" if self.is_admin else None

    def __repr__(self) -> str:
        return f"<User {self.username}>"


_WITH_ROLES_AND_SCOPE = (
    select(
        User,
        Region.path,
        select(func.aggregate_strings(UserRole.role, ",")).where(UserRole.user_id == User.id)
        .correlate(User).scalar_subquery(),
    )
    .outerjoin(Department, Department.id == User.department_id)
    .outerjoin(Region, Region.id == Department.region_id)
    .options(lazyload(User.role_rows))
)
# built once: no per-request statement building
_LOAD_ACTIVE = _WITH_ROLES_AND_SCOPE.where(User.id == bindparam("user_id"))
_LOAD_ACTIVE_MANY = _WITH_ROLES_AND_SCOPE.where(User.id.in_(bindparam("user_ids", expanding=True)))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def check_password_of_nobody(password: str) -> bool:
    """The work of User.check_password for a user name nobody has (always False), so that a wrong
    password costs the same time whether or not the user exists: user names cannot be found by timing.
    Verifies against a hash made once with the current hasher's parameters."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("not a password: no user has this hash"))
    _verify(_dummy[1], password)
    return False


class LoginAttempt(db.Model):
    """Logins whose password was checked, by user name and IP, failed or successful: the security log.
    (Throttling keeps its own counters: app/auth/throttle.py.)"""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    success: Mapped[bool] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginThrottle(db.Model):
    """Login attempts counted per (user name, source address), and per source address (user name ''),
    for the growing pauses of app/auth/throttle.py. A row is forgotten once its last failure is old."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(50), primary_key=True)  # lower-case; '' = the whole source
    source: Mapped[str] = mapped_column(String(45), primary_key=True)  # the client address (request.remote_addr)
    failures: Mapped[int] = mapped_column(default=0)  # failed password checks
    checking: Mapped[int] = mapped_column(default=0)  # attempts let through whose password is being checked
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
