"""meeting references: one short code per event and pair, stable across schedule versions

Revision ID: bcf916266a1e
Revises: 9e5ccf4bd9be
Create Date: 2026-12-03 13:00:00.000000

"""
import secrets
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bcf916266a1e'
down_revision = '9e5ccf4bd9be'
branch_labels = None
depends_on = None

# A frozen copy of app/models/meeting_ref.py's code format, so this migration never drifts.
ALPHABET = "23456789ABCDEFGHJKMNPQRTVWXYZ"
LETTERS = "".join(c for c in ALPHABET if c.isalpha())
DIGITS = "".join(c for c in ALPHABET if c.isdigit())
WEIGHTS = (5, 4, 3, 2, 1)
BATCH = 500


def _code(taken):
    while True:
        body = secrets.choice(LETTERS) + "".join(secrets.choice(ALPHABET) for _ in range(3))
        if not any(c in DIGITS for c in body):
            continue
        total = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body))
        code = body + ALPHABET[-total % len(ALPHABET)]
        if code not in taken:
            taken.add(code)
            return code


def upgrade():
    op.create_table(
        'meeting_refs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('attendee_low_id', sa.Integer(), nullable=False),
        sa.Column('attendee_high_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['attendee_low_id'], ['attendees.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['attendee_high_id'], ['attendees.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'attendee_low_id', 'attendee_high_id'),
        sa.UniqueConstraint('event_id', 'code'),
    )
    with op.batch_alter_table('meeting_refs', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_refs_attendee_low_id', ['attendee_low_id'])
        batch_op.create_index('ix_meeting_refs_attendee_high_id', ['attendee_high_id'])
    # Every pair that meets in any stored version gets its code, so the agendas printed
    # before this change (which show meeting row ids) still resolve to a pair.
    connection = op.get_bind()
    meetings = sa.table(
        'meetings',
        sa.column('version_id', sa.Integer),
        sa.column('attendee_a_id', sa.Integer),
        sa.column('attendee_b_id', sa.Integer),
    )
    versions = sa.table('schedule_versions', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer))
    refs = sa.table(
        'meeting_refs',
        sa.column('event_id', sa.Integer),
        sa.column('attendee_low_id', sa.Integer),
        sa.column('attendee_high_id', sa.Integer),
        sa.column('code', sa.String),
        sa.column('created_at', sa.DateTime),
    )
    rows = connection.execute(
        sa.select(versions.c.event_id, meetings.c.attendee_a_id, meetings.c.attendee_b_id).join(
            versions, versions.c.id == meetings.c.version_id
        )
    ).all()
    pairs = sorted({(e, min(a, b), max(a, b)) for e, a, b in rows})
    taken = {}
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [
        {
            'event_id': e,
            'attendee_low_id': low,
            'attendee_high_id': high,
            'code': _code(taken.setdefault(e, set())),
            'created_at': now,
        }
        for e, low, high in pairs
    ]
    for start in range(0, len(values), BATCH):
        connection.execute(refs.insert(), values[start : start + BATCH])


def downgrade():
    with op.batch_alter_table('meeting_refs', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_refs_attendee_high_id')
        batch_op.drop_index('ix_meeting_refs_attendee_low_id')
    op.drop_table('meeting_refs')
