"""followups: consent to quote a comment (and with the name); events: the anonymity threshold

Revision ID: 5d0c3a7e91b2
Revises: 1c68ebd40ee8
Create Date: 2026-12-03 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d0c3a7e91b2'
down_revision = '1c68ebd40ee8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('quote_ok', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('quote_name', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('anonymity_threshold', sa.Integer(), nullable=False, server_default='5')
        )
        batch_op.create_check_constraint(
            op.f('ck_events_anonymity_threshold'), 'anonymity_threshold >= 3'
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_anonymity_threshold'), type_='check')
        batch_op.drop_column('anonymity_threshold')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_column('quote_name')
        batch_op.drop_column('quote_ok')
