import { isNull, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { upstreamIncidents } from './schema.js';

export interface Incident {
  upstream: string;
  reason: string;
  openedAt: Date;
}

/**
 * Opens the upstream's incident unless one is open: a first row, or a recovered one reopened.
 * True only for the one caller, across every process, whose statement moved it closed -> open
 * (a concurrent opener waits on the row and then finds it open), so one process alerts.
 */
export async function openIncident(db: Database, upstream: string, reason: string): Promise<boolean> {
  const rows = await queryRows<{ upstream: string }>(
    db,
    sql`insert into upstream_incidents (upstream, reason, opened_at, recovered_at)
        values (${upstream}, ${reason.slice(0, 500)}, now(), null)
        on conflict (upstream) do update
           set reason = excluded.reason, opened_at = now(), recovered_at = null
         where upstream_incidents.recovered_at is not null
     returning upstream`,
  );
  return rows.length > 0;
}

/**
 * Closes the upstream's open incident. Returns it to the one caller that closed it (who says it
 * recovered); undefined when none was open or another process closed it first.
 */
export async function closeIncident(db: Database, upstream: string): Promise<Incident | undefined> {
  const [row] = await queryRows<{ reason: string; opened_at: Date | string }>(
    db,
    sql`update upstream_incidents set recovered_at = now()
         where upstream = ${upstream} and recovered_at is null
     returning reason, opened_at`,
  );
  return row ? { upstream, reason: row.reason, openedAt: new Date(row.opened_at) } : undefined;
}

/** Incidents open now, across every process. */
export async function openIncidents(db: Database): Promise<Incident[]> {
  return db
    .select({
      upstream: upstreamIncidents.upstream,
      reason: upstreamIncidents.reason,
      openedAt: upstreamIncidents.openedAt,
    })
    .from(upstreamIncidents)
    .where(isNull(upstreamIncidents.recoveredAt));
}
