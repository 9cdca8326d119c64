"""follow-ups: the reason and the comment hold at most 2,000 and 4,000 characters

Revision ID: 3a7c5e91d2b4
Revises: 7a3c5e9b2d14
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a7c5e91d2b4'
down_revision = '7a3c5e9b2d14'
branch_labels = None
depends_on = None


def upgrade():
    # The answer form already refused longer text, so every stored answer fits.
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.alter_column(
            'why', existing_type=sa.Text(), type_=sa.String(length=2000), existing_nullable=False
        )
        batch_op.alter_column(
            'comment', existing_type=sa.Text(), type_=sa.String(length=4000), existing_nullable=False
        )


def downgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.alter_column(
            'comment', existing_type=sa.String(length=4000), type_=sa.Text(), existing_nullable=False
        )
        batch_op.alter_column(
            'why', existing_type=sa.String(length=2000), type_=sa.Text(), existing_nullable=False
        )
