"""agenda stamps: counters bumped when what an agenda page shows changes (its cache key)

Revision ID: 4a9278cbcd19
Revises: bcf916266a1e
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a9278cbcd19'
down_revision = 'bcf916266a1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('agenda_stamp', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('agenda_stamp', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.drop_column('agenda_stamp')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('agenda_stamp')
