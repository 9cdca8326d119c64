"""publications (who was told of a changed schedule), Web Push subscriptions and reminders

Revision ID: 9e5ccf4bd9be
Revises: c4e81f2a9b63
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e5ccf4bd9be'
down_revision = 'c4e81f2a9b63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('previous_version_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('told_email', sa.JSON(), nullable=False),
        sa.Column('told_push', sa.JSON(), nullable=False),
        sa.Column('untold', sa.JSON(), nullable=False),
        sa.Column('notified_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['event_id'], ['events.id'], name='fk_publications_event_id_events', ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['version_id'], ['schedule_versions.id'],
            name='fk_publications_version_id_schedule_versions', ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['previous_version_id'], ['schedule_versions.id'],
            name='fk_publications_previous_version_id_schedule_versions', ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name='pk_publications'),
    )
    op.create_index('ix_publications_event_id_id', 'publications', ['event_id', 'id'])
    op.create_table(
        'push_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attendee_id', sa.Integer(), nullable=False),
        sa.Column('endpoint', sa.String(length=1000), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ['attendee_id'], ['attendees.id'],
            name='fk_push_subscriptions_attendee_id_attendees', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name='pk_push_subscriptions'),
        sa.UniqueConstraint(
            'attendee_id', 'endpoint', name='uq_push_subscriptions_attendee_id_endpoint'
        ),
    )
    op.create_index(
        'ix_push_subscriptions_attendee_id', 'push_subscriptions', ['attendee_id']
    )
    op.create_table(
        'push_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attendee_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['attendee_id'], ['attendees.id'],
            name='fk_push_reminders_attendee_id_attendees', ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['other_id'], ['attendees.id'],
            name='fk_push_reminders_other_id_attendees', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name='pk_push_reminders'),
        sa.UniqueConstraint(
            'attendee_id', 'other_id', 'round', name='uq_push_reminders_attendee_id_other_id_round'
        ),
    )
    # The reminders' minutes ahead: events.reminder_minutes (b81d4f6a2c93, the calendar alarm's).


def downgrade():
    op.drop_table('push_reminders')
    op.drop_index('ix_push_subscriptions_attendee_id', table_name='push_subscriptions')
    op.drop_table('push_subscriptions')
    op.drop_index('ix_publications_event_id_id', table_name='publications')
    op.drop_table('publications')
