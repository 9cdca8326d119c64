"""attendee: name, company and e-mail folded for accent-free search

Revision ID: 7a3c5e9b2d14
Revises: 9d2f6b1c4e07
Create Date: 2026-12-03 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
from anyascii import anyascii


# revision identifiers, used by Alembic.
revision = '7a3c5e9b2d14'
down_revision = '9d2f6b1c4e07'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_text', sa.String(length=1000), nullable=False, server_default='')
        )
    # Existing attendees get the same folding the model applies from now on (app/models/attendee.py).
    connection = op.get_bind()
    attendees = sa.table(
        'attendees',
        sa.column('id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('company', sa.String),
        sa.column('email', sa.String),
        sa.column('search_text', sa.String),
    )
    rows = connection.execute(
        sa.select(attendees.c.id, attendees.c.name, attendees.c.company, attendees.c.email)
    ).all()
    for start in range(0, len(rows), BATCH):
        values = [
            {'row_id': id_, 'text': anyascii(f"{name} {company} {email}").lower()[:1000]}
            for id_, name, company, email in rows[start : start + BATCH]
        ]
        connection.execute(
            attendees.update()
            .where(attendees.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('text')),
            values,
        )


def downgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.drop_column('search_text')
