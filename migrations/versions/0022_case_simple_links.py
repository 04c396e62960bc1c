"""行政处罚案件 (issue #13), second part: the 当场处罚 record of a simplified case (签收或拒签, 当场收缴 and its
receipt, the cash hand-over deadline, 备案), a proposal's link to the decided case it follows (逾期未改正, spec
§2.5) and the case's 按日连续处罚 computation (Art.112), and the 提请关闭 proposals raised by the Art.113 counter.

Revision ID: 0022_case_simple_links
Revises: 0021_penalty_cases
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_case_simple_links'
down_revision = '0021_penalty_cases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_closure_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False, comment='生产经营单位'),
    sa.Column('agency_id', sa.Integer(), nullable=False, comment='提请机关'),
    sa.Column('region_path', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'), nullable=False, comment='属地区划路径（数据范围）'),
    sa.Column('rule', sa.String(length=20), nullable=False, comment='触发规则（180日内3次/一年内4次）'),
    sa.Column('window_from', sa.Date(), nullable=False, comment='统计期间起'),
    sa.Column('window_to', sa.Date(), nullable=False, comment='统计期间止（触发决定日）'),
    sa.Column('count', sa.Integer(), nullable=False, comment='期间内因重大事故隐患受处罚次数'),
    sa.Column('case_ids', sa.JSON(), nullable=False, comment='计入的处罚案件'),
    sa.Column('trigger_case_id', sa.Integer(), nullable=False, comment='达到次数的处罚决定所属案件'),
    sa.Column('status', sa.String(length=10), nullable=False, comment='处理状态'),
    sa.Column('decided_by_id', sa.Integer(), nullable=True, comment='处理人（负责人）'),
    sa.Column('decided_on', sa.Date(), nullable=True, comment='处理日期'),
    sa.Column('opinion', sa.Text(), nullable=True, comment='负责人意见'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['departments.id'], name=op.f('fk_case_closure_proposals_agency_id_departments')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_closure_proposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_case_closure_proposals_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['trigger_case_id'], ['penalty_cases.id'], name=op.f('fk_case_closure_proposals_trigger_case_id_penalty_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_closure_proposals')),
    sa.UniqueConstraint('trigger_case_id', 'rule', name='uq_case_closure_proposals_trigger_rule')
    )
    with op.batch_alter_table('case_closure_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_closure_proposals_enterprise_id'), ['enterprise_id'], unique=False)

    with op.batch_alter_table('case_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_case_id', sa.Integer(), nullable=True, comment='关联的前案（同一指令书/条款已作出处罚决定，逾期未改正的第二阶段，规格 §2.5）'))
        batch_op.create_index(batch_op.f('ix_case_proposals_parent_case_id'), ['parent_case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_proposals_parent_case_id_penalty_cases'), 'penalty_cases', ['parent_case_id'], ['id'])

    with op.batch_alter_table('penalty_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_the_spot', sa.JSON(), nullable=False, server_default=sa.text("'{}'"), comment='当场处罚记录（签收或拒签、当场收缴及票据号、交款期限、备案）'))
        batch_op.add_column(sa.Column('continuing_fine', sa.JSON(), nullable=True, comment='按日连续处罚（安全生产法第112条：原罚款数额、责令改正日期、计罚日数、金额）'))
    with op.batch_alter_table('penalty_cases', schema=None) as batch_op:
        batch_op.alter_column('on_the_spot', server_default=None)


def downgrade():
    with op.batch_alter_table('penalty_cases', schema=None) as batch_op:
        batch_op.drop_column('continuing_fine')
        batch_op.drop_column('on_the_spot')

    with op.batch_alter_table('case_proposals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_proposals_parent_case_id_penalty_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_proposals_parent_case_id'))
        batch_op.drop_column('parent_case_id')

    with op.batch_alter_table('case_closure_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_closure_proposals_enterprise_id'))

    op.drop_table('case_closure_proposals')
