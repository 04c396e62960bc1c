"""Login throttling: growing pauses per (user name, source address) and per source address.

A stranger who guesses passwords from one address slows down only that address, never the real user
elsewhere (no lock of the account from everywhere):

- per (user name, source): after LOGIN_MAX_FAILURES failed passwords from that address for that user
  name, attempts from there are refused for LOGIN_DELAY_MINUTES, then twice as long after each further
  failure, at most LOGIN_MAX_DELAY_MINUTES; a successful login from there or an admin password reset
  clears it;
- per source (user name ''): after LOGIN_SOURCE_MAX_FAILURES failures from one address across all user
  names, that address pauses the same way. Successful logins do not clear it (one valid account must not
  let its holder guess other users' passwords);
- counters are forgotten LOGIN_FAILURE_MEMORY_MINUTES after their last failure.

The source is `request.remote_addr`: the TCP peer, or the address that exactly SAFELOOP_PROXY_HOPS
trusted proxies report (werkzeug ProxyFix, app/__init__.py). Unknown user names are counted like known
ones (the key is the name typed), so the pauses tell nothing about which users exist.

Counting is atomic on SQLite and PostgreSQL: `admit` lets an attempt through with one conditional upsert
per counter (`checking = checking + 1 ... WHERE failures + checking < limit ...`), committed before the
password is checked, so N concurrent attempts get at most the limit of password checks; `record_failure`
/ `record_success` settle it in the request's transaction. An attempt lost in a crash stops counting as
being checked after IN_FLIGHT_MINUTES.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.auth.models import LoginThrottle
from app.db import UTCDateTime
from app.extensions import db

SOURCE = ""  # the user name of a source's own counter: no user name is empty
IN_FLIGHT_MINUTES = 5  # no password check takes this long: a count older than this was lost in a crash
T = LoginThrottle


@dataclass(frozen=True)
class Limits:
    user: int  # failures per (user name, source) before pauses
    source: int  # failures per source, across user names, before pauses
    first: timedelta  # the first pause; each further failure doubles it
    cap: timedelta  # the longest pause
    memory: timedelta  # a counter is forgotten this long after its last failure

    @classmethod
    def from_config(cls) -> Limits:
        c = current_app.config
        return cls(user=c["LOGIN_MAX_FAILURES"], source=c["LOGIN_SOURCE_MAX_FAILURES"],
                   first=timedelta(minutes=c["LOGIN_DELAY_MINUTES"]),
                   cap=timedelta(minutes=c["LOGIN_MAX_DELAY_MINUTES"]),
                   memory=timedelta(minutes=max(c["LOGIN_FAILURE_MEMORY_MINUTES"], c["LOGIN_MAX_DELAY_MINUTES"])))

    def pause(self, beyond: int) -> timedelta:
        """The pause after the failure `beyond` failures past the limit (0 = the failure reaching it)."""
        return min(self.first * 2 ** min(beyond, 30), self.cap)


@dataclass(frozen=True)
class Admission:
    """admit()'s answer. Refused: `until` is when to retry, `whole_source` whether the address itself
    pauses (rather than this user name from it)."""

    allowed: bool
    username: str
    source: str
    until: datetime | None = None
    whole_source: bool = False


@dataclass(frozen=True)
class Failure:
    """record_failure()'s answer: failures left before a pause for this user name from this address,
    and the pause this failure started (None if none)."""

    remaining: int
    until: datetime | None
    whole_source: bool = False


def key(username: str) -> str:
    """The counter key of a typed user name (user names are unique whatever their case)."""
    return username.strip().lower()[:50]


def _source(address: str | None) -> str:
    return (address or "")[:45]


# --- letting an attempt through ---------------------------------------------------------------------------
def _admit_statement(dialect: str, username: str, source: str, limit: int, now: datetime, memory: timedelta):
    forget_before = bindparam("forget_before", now - memory, type_=UTCDateTime())
    lost_before = bindparam("lost_before", now - timedelta(minutes=IN_FLIGHT_MINUTES), type_=UTCDateTime())
    now_param = bindparam("now", now, type_=UTCDateTime())
    forgotten = or_(T.last_failure_at.is_(None), T.last_failure_at < forget_before)
    lost = T.last_attempt_at < lost_before
    failures = case((forgotten, literal(0)), else_=T.failures)  # as of now, before this attempt
    checking = case((lost, literal(0)), else_=T.checking)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(T)
    return (
        insert.values(username=username, source=source, failures=0, checking=1, last_attempt_at=now_param)
        .on_conflict_do_update(
            index_elements=[T.username, T.source],
            set_={"failures": failures, "checking": checking + 1, "last_attempt_at": now_param,
                  "blocked_until": case((forgotten, None), else_=T.blocked_until)},
            where=or_(
                # under the limit, counting the attempts being checked right now
                and_(failures + checking < limit, or_(forgotten, T.blocked_until.is_(None))),
                # past it: one attempt at a time, once the pause is over
                and_(checking == 0, T.blocked_until <= now_param),
            ),
        )
        .returning(T.failures)
    )


def admit(username: str, address: str | None) -> Admission:
    """Let one login attempt through to its password check, or refuse it while this user name from this
    address, or the address itself, pauses. Commits at once on its own connection, before the (slow)
    password check, so that concurrent attempts see each other."""
    limits, now = Limits.from_config(), clock.now()
    name, source = key(username), _source(address)
    with db.engine.connect() as conn:
        for counter, limit in ((name, limits.user), (SOURCE, limits.source)):
            stmt = _admit_statement(conn.dialect.name, counter, source, limit, now, limits.memory)
            if conn.execute(stmt).first() is None:
                conn.rollback()
                until = conn.scalar(select(T.blocked_until).where(T.username == counter, T.source == source))
                return Admission(False, name, source, until=until if until and until > now else None,
                                 whole_source=counter == SOURCE)
        conn.commit()
    return Admission(True, name, source)


# --- settling it after the password check (in the request's transaction) ---------------------------------
def _settle_failure(counter: str, source: str, limit: int, limits: Limits, now: datetime):
    failures = T.failures + 1
    pauses = [(failures == limit + i, bindparam(f"until_{i}", now + limits.pause(i), type_=UTCDateTime()))
              for i in range(_steps(limits))]
    until = case((failures < limit, None), *pauses, else_=bindparam("until_cap", now + limits.cap,
                                                                     type_=UTCDateTime()))
    return db.session.execute(
        update(T).where(T.username == counter, T.source == source)
        .values(failures=failures, checking=case((T.checking > 0, T.checking - 1), else_=0),
                last_failure_at=now, blocked_until=until)
        .returning(T.failures, T.blocked_until)
    ).first()


def _steps(limits: Limits) -> int:
    """How many doublings until the pause reaches the cap."""
    steps = 1
    while limits.pause(steps - 1) < limits.cap:
        steps += 1
    return steps


def record_failure(admission: Admission) -> Failure:
    """A wrong password (or an unknown or inactive user) after admit(): count it on both counters."""
    limits, now = Limits.from_config(), clock.now()
    mine = _settle_failure(admission.username, admission.source, limits.user, limits, now)
    whole = _settle_failure(SOURCE, admission.source, limits.source, limits, now)
    remaining = max(limits.user - mine.failures, 0) if mine else limits.user
    started = [(row.blocked_until, counter == SOURCE) for counter, row in ((admission.username, mine), (SOURCE, whole))
               if row is not None and row.blocked_until is not None and row.blocked_until > now]
    if not started:
        return Failure(remaining, None)
    until, whole_source = max(started)
    return Failure(remaining, until, whole_source)


def record_success(admission: Admission) -> None:
    """The right password after admit(): this user name from this address starts afresh; the address's
    own counter only stops counting the attempt as being checked."""
    db.session.execute(delete(T).where(T.username == admission.username, T.source == admission.source))
    prune()
    db.session.execute(
        update(T).where(T.username == SOURCE, T.source == admission.source)
        .values(checking=case((T.checking > 0, T.checking - 1), else_=0))
    )


def lift(username: str) -> None:
    """Clear every pause of this user name, from every address (an admin reset the password)."""
    db.session.execute(delete(T).where(T.username == key(username)))


def prune(now: datetime | None = None) -> int:
    """Delete the counters of addresses not heard from for LOGIN_FAILURE_MEMORY_MINUTES (their failures
    are forgotten anyway): the table stays as small as the recent attempts. Runs with each successful
    login; its last failure is never later than its last attempt plus one password check."""
    limits, now = Limits.from_config(), now or clock.now()
    before = now - limits.memory - timedelta(minutes=IN_FLIGHT_MINUTES)
    return db.session.execute(delete(T).where(T.last_attempt_at < before)).rowcount or 0


def retry_at(until: datetime) -> str:
    """HH:MM (China time) from which a login may be tried again: the minute after `until`, never before."""
    local = until.astimezone(clock.TZ)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local.strftime("%H:%M")


def refused_message(until: datetime | None, *, whole_source: bool) -> str:
    who = "该网络地址" if whole_source else ""
    when = f"请于 {retry_at(until)} 后再试" if until else "请稍后再试"
    return f"{who}登录失败次数过多，{when}"

