"""events: the secret of the live board's link (/board/<token>), empty when there is none

Revision ID: 590a6ad0c61a
Revises: b81d4f6a2c93
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '590a6ad0c61a'
down_revision = 'b81d4f6a2c93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_token', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_events_board_token', ['board_token'], unique=True)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_board_token')
        batch_op.drop_column('board_token')
