"""Keeping the recompute's tables lean: the rollups and the store (distributions, transitions).

Every run deletes and rewrites rows of these tables (a full rebuild rewrites all of them), and
the deleted rows stay on disk until a VACUUM makes their space reusable. Autovacuum normally
does that, but lags behind a nightly bulk rewrite and may be switched off; measured with it
off, nine runs left the rollups four to six times their live size. So after each published
run the tables are vacuumed and analysed here (fresh statistics for the next run's plans).
Plain VACUUM takes no lock that blocks readers or writers. It cannot run inside a transaction:
there (tests) the tables are only analysed.

Only full runs vacuum: an incremental run rewrites a small part of the rollups and deletes one
superseded snapshot, which autovacuum (or the next full run) reclaims; its own VACUUM cost more
than the counting when little had changed. Every run analyses.
"""

from __future__ import annotations

from django.db import connection

from engagement.models import CitizenMonth, Distribution, LastingState, Transition

# Transitions too: the mobility pages read a new snapshot's pairs right after it is published.
TABLES = (CitizenMonth, LastingState, Distribution, Transition)
STORE = (Distribution, Transition)  # without the rollups, when a run barely touched them


def tidy_rollups(*, vacuum: bool = True, rollups: bool = True) -> None:
    """VACUUM (ANALYZE) the rollups and the store on PostgreSQL; ANALYZE only inside a
    transaction or when `vacuum` is false (incremental runs). The store only when `rollups`
    is false: a run that counted every force by difference rewrote a few citizens' rollup rows.

    Fresh statistics matter to readers too: planned with none for a new snapshot, the store's
    long-layout query joins its rows pair by pair (a 20,000-row export took 50 s, not 0.5 s)."""
    if connection.vendor != "postgresql":
        return
    command = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
    tables = TABLES if rollups else STORE
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
