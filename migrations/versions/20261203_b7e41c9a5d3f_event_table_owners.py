"""events: table owners (booths), table number -> a company name or an attendee's e-mail

Revision ID: b7e41c9a5d3f
Revises: 590a6ad0c61a
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e41c9a5d3f'
down_revision = '590a6ad0c61a'
branch_labels = None
depends_on = None


def upgrade():
    # Existing events have no booths: every table is free for anyone, as before.
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('table_owners', sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('table_owners')
