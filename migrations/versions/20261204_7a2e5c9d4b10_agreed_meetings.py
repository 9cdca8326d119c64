"""agreed meetings (FORMATS.md section 6) and how an event's meetings are made

Revision ID: 7a2e5c9d4b10
Revises: 5d0c3a7e91b2
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a2e5c9d4b10'
down_revision = '5d0c3a7e91b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agreed_meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('second_id', sa.Integer(), nullable=False),
        sa.Column('rounds', sa.String(length=200), nullable=False),
        sa.Column('round', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('first_id < second_id', name=op.f('ck_agreed_meetings_ordered')),
        sa.ForeignKeyConstraint(
            ['event_id'], ['events.id'], name=op.f('fk_agreed_meetings_event_id_events'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['first_id'], ['attendees.id'], name=op.f('fk_agreed_meetings_first_id_attendees'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['second_id'], ['attendees.id'],
            name=op.f('fk_agreed_meetings_second_id_attendees'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_meetings')),
        sa.UniqueConstraint(
            'event_id', 'first_id', 'second_id',
            name=op.f('uq_agreed_meetings_event_id_first_id_second_id'),
        ),
    )
    with op.batch_alter_table('agreed_meetings', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_agreed_meetings_event_id'), ['event_id'], unique=False
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'meeting_mode', sa.String(length=10), nullable=False, server_default='proposes'
            )
        )
        batch_op.create_check_constraint(
            op.f('ck_events_meeting_mode'), "meeting_mode IN ('proposes', 'agreed', 'both')"
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_meeting_mode'), type_='check')
        batch_op.drop_column('meeting_mode')
    with op.batch_alter_table('agreed_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreed_meetings_event_id'))
    op.drop_table('agreed_meetings')
