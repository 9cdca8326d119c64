"""series: an organiser's recurring events; events.series_id puts an event in one

Revision ID: 1f96d077e624
Revises: 4a9278cbcd19
Create Date: 2026-12-03 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f96d077e624'
down_revision = '4a9278cbcd19'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'series',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['organiser_id'], ['organisers.id'], name=op.f('fk_series_organiser_id_organisers'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.create_index('ix_series_organiser_id', ['organiser_id'], unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_events_series_id', ['series_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_events_series_id_series', 'series', ['series_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_events_series_id_series', type_='foreignkey')
        batch_op.drop_index('ix_events_series_id')
        batch_op.drop_column('series_id')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index('ix_series_organiser_id')
    op.drop_table('series')
