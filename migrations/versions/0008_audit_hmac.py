"""The audit chain is keyed (issue #11 item 1): `audit_events.hash_version` (1 = plain SHA-256, every row
written so far; 2 = HMAC-SHA256 under the key kept outside the database, app/audit/keys.py) and the
chain head's switch point `keyed_from_seq` + its HMAC `keyed_from_mac`: rows from that seq on must be
version 2, so a keyed row rewritten as a plain one is caught. The switch point is the seq after the last
row (1 for an empty chain; an empty chain gets its head with the first event). Needs the app's audit key
(AUDIT_HMAC_KEY / AUDIT_HMAC_KEY_FILE, else instance/audit_hmac_key is created).

On PostgreSQL it also installs PG_APPEND_PATH_SQL: an INSERT into audit_events must be the next link of
the head the same transaction advanced, and the head only moves forward (app/audit/models.py).

Downgrade drops the columns and triggers; rows written as version 2 then no longer verify with the old
code (their hash is an HMAC).

Revision ID: 0008_audit_hmac
Revises: 0007_penalty_referral_answer
"""

import sqlalchemy as sa
from alembic import op

from app.audit.models import PG_APPEND_PATH_DROP_SQL, PG_APPEND_PATH_SQL

revision = "0008_audit_hmac"
down_revision = "0007_penalty_referral_answer"
branch_labels = None
depends_on = None

_HEAD = sa.table(
    "audit_chain_head", sa.column("id"), sa.column("seq"), sa.column("last_hash"),
    sa.column("keyed_from_seq"), sa.column("keyed_from_mac"),
)
_EVENTS = sa.table("audit_events", sa.column("seq"), sa.column("hash"))


def upgrade():
    from app.audit.keys import marker_mac

    op.add_column("audit_events", sa.Column(
        "hash_version", sa.SmallInteger(), server_default="1", nullable=False,
        comment="哈希版本：1=SHA-256（启用密钥前的记录），2=HMAC-SHA256",
    ))
    op.add_column("audit_chain_head", sa.Column(
        "keyed_from_seq", sa.BigInteger(), nullable=True, comment="自此序号起记录须以密钥签名（HMAC）"))
    op.add_column("audit_chain_head", sa.Column(
        "keyed_from_mac", sa.String(length=64), nullable=True, comment="上一字段的 HMAC（防降级）"))

    bind = op.get_bind()
    head = bind.execute(sa.select(_HEAD.c.seq).where(_HEAD.c.id == 1)).first()
    tail = bind.execute(sa.select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)).first()
    if head is not None or tail is not None:
        switch = max(head.seq if head else 0, tail.seq if tail else 0) + 1
        marker = {"keyed_from_seq": switch, "keyed_from_mac": marker_mac(switch)}
        if head is not None:
            bind.execute(_HEAD.update().where(_HEAD.c.id == 1).values(**marker))
        else:  # a chain from before the head existed
            bind.execute(_HEAD.insert().values(id=1, seq=tail.seq, last_hash=tail.hash, **marker))

    if bind.dialect.name == "postgresql":
        op.execute(PG_APPEND_PATH_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_PATH_DROP_SQL)
    with op.batch_alter_table("audit_chain_head", schema=None) as batch_op:
        batch_op.drop_column("keyed_from_mac")
        batch_op.drop_column("keyed_from_seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash_version")
