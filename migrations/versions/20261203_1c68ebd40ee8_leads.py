"""leads: partners who agreed to be contacted by a sponsor (follow-up answer or badge scan)

Revision ID: 1c68ebd40ee8
Revises: 1f96d077e624
Create Date: 2026-12-03 19:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1c68ebd40ee8"
down_revision = "1f96d077e624"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_ok", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["attendees.id"],
            name=op.f("fk_leads_attendee_id_attendees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["sponsor_contacts.id"],
            name=op.f("fk_leads_contact_id_sponsor_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_leads_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_leads_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint(
            "event_id",
            "company",
            "attendee_id",
            "source",
            name=op.f("uq_leads_event_id_company_attendee_id_source"),
        ),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_attendee_id"), ["attendee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_attendee_id"))
        batch_op.drop_index(batch_op.f("ix_leads_event_id"))
    op.drop_table("leads")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_column("contact_ok")
