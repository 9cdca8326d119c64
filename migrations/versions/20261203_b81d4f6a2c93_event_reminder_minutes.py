"""events: minutes before each meeting that attendees' calendars ring (the .ics VALARM)

Revision ID: b81d4f6a2c93
Revises: 3a7c5e91d2b4
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81d4f6a2c93'
down_revision = '3a7c5e91d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reminder_minutes', sa.Integer(), nullable=False, server_default='5')
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('reminder_minutes')
