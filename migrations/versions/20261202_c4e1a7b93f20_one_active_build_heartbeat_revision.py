"""one active build per event, job heartbeat, schedule version revision

Revision ID: c4e1a7b93f20
Revises: 5e55a0c1f7b2
Create Date: 2026-12-02 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7b93f20'
down_revision = '5e55a0c1f7b2'
branch_labels = None
depends_on = None

ACTIVE_SQL = "status IN ('queued', 'running')"


def upgrade():
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('schedule_versions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('revision', sa.Integer(), nullable=False, server_default='0')
        )
    # Races before this index could leave several active builds of one event: all but the
    # newest are marked failed, so the unique index can be created.
    op.execute(
        "UPDATE solve_jobs SET status = 'failed', "
        "error = 'stopped: another build of this event was running' "
        f"WHERE {ACTIVE_SQL} AND id < ("
        "SELECT MAX(newer.id) FROM solve_jobs AS newer "
        f"WHERE newer.event_id = solve_jobs.event_id AND newer.{ACTIVE_SQL})"
    )
    op.create_index(
        'uq_solve_jobs_one_active_per_event',
        'solve_jobs',
        ['event_id'],
        unique=True,
        sqlite_where=sa.text(ACTIVE_SQL),
        postgresql_where=sa.text(ACTIVE_SQL),
    )


def downgrade():
    op.drop_index('uq_solve_jobs_one_active_per_event', table_name='solve_jobs')
    with op.batch_alter_table('schedule_versions', schema=None) as batch_op:
        batch_op.drop_column('revision')
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
