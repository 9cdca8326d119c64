"""solve job: the solver's status of a finished search

Revision ID: 9d2f6b1c4e07
Revises: c4e1a7b93f20
Create Date: 2026-12-03 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2f6b1c4e07'
down_revision = 'c4e1a7b93f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('solver_status', sa.String(length=20), nullable=True))
    # Earlier builds: what the command line used to infer (a done build with gap 0 was proved
    # optimal; a failed one kept the solver's word in its phase).
    op.execute(
        "UPDATE solve_jobs SET solver_status = CASE WHEN gap = 0 THEN 'optimal' "
        "ELSE 'feasible' END WHERE status = 'done'"
    )
    op.execute(
        "UPDATE solve_jobs SET solver_status = phase "
        "WHERE status = 'failed' AND phase IN ('infeasible', 'unknown')"
    )


def downgrade():
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.drop_column('solver_status')
