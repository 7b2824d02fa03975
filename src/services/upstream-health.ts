import type { Database } from '../db/client.js';
import { closeIncident, openIncident, openIncidents } from '../db/incidents.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Upstream } from './ai-errors.js';
import type { UpstreamHealth } from './resilience.js';

/** What the admins are told: the incident opened (with its reason) or it is over. */
export type IncidentAlert =
  | { kind: 'opened'; upstream: Upstream; reason: string }
  | { kind: 'recovered'; upstream: Upstream; reason: string; minutes: number };

/**
 * A trial call of an upstream that is out; resolves once the account works again. It should
 * be the cheapest call the upstream bills for (only a successful one is billed).
 */
export type Probe = () => Promise<unknown>;

const UPSTREAMS: readonly Upstream[] = ['vision', 'prompts', 'images'];

/**
 * Account incidents of the AI upstreams, shared by every process through `upstream_incidents`.
 * An account failure anywhere opens the upstream's incident (one process wins the
 * closed -> open update and alerts the admins, once) and holds the upstream out in this
 * process at once; the others learn it at their next check (every `checkEveryMs`). While it is
 * out, a trial call (the probe) runs at that interval; the first success anywhere closes it,
 * and the one process that closed it says it recovered.
 */
export function createUpstreamHealth(deps: {
  db: Database;
  logger: Logger;
  /** Tells the admins; best effort (a failure is logged, the incident stays recorded). */
  alert: (alert: IncidentAlert) => Promise<unknown>;
  checkEveryMs: number;
}) {
  const { db, alert } = deps;
  const log = deps.logger.child({ component: 'upstream-health' });
  /** Upstreams out in this process, with the reason. */
  const out = new Map<Upstream, string>();
  /** Upstreams whose incident may be open (out, or opened elsewhere): a success tries to close it. */
  const suspect = new Set<Upstream>();
  const probes = new Map<Upstream, Probe>();
  const probing = new Set<Upstream>();
  /**
   * When this process last marked each upstream out or back (a counter): a read of the
   * incidents begun before that mark says nothing about it, in either direction.
   */
  let marks = 0;
  const markedAt = new Map<Upstream, number>();
  const mark = (upstream: Upstream) => markedAt.set(upstream, ++marks);
  let timer: NodeJS.Timeout | undefined;
  let checked: Promise<void> | undefined;

  const tell = (message: IncidentAlert) =>
    alert(message).catch((err: unknown) => log.warn({ err, upstream: message.upstream }, 'incident alert failed'));

  async function open(upstream: Upstream, reason: string): Promise<void> {
    try {
      if (await openIncident(db, upstream, reason)) {
        log.error({ upstream, reason }, 'upstream account failure: incident opened');
        await tell({ kind: 'opened', upstream, reason });
      }
    } catch (err) {
      log.warn({ err, upstream }, 'could not record the upstream incident');
    }
  }

  async function close(upstream: Upstream): Promise<void> {
    suspect.delete(upstream);
    out.delete(upstream);
    mark(upstream);
    try {
      const closed = await closeIncident(db, upstream);
      if (closed) {
        const minutes = Math.max(1, Math.round((Date.now() - closed.openedAt.getTime()) / 60_000));
        log.info({ upstream, minutes }, 'upstream recovered: incident closed');
        await tell({ kind: 'recovered', upstream, reason: closed.reason, minutes });
      }
    } catch (err) {
      suspect.add(upstream);
      log.warn({ err, upstream }, 'could not close the upstream incident');
    }
  }

  /** Reads the open incidents: upstreams out elsewhere are out here too; closed ones are back. */
  async function check(): Promise<void> {
    const began = marks;
    const stale = (upstream: Upstream) => (markedAt.get(upstream) ?? 0) > began;
    let open: Awaited<ReturnType<typeof openIncidents>>;
    try {
      open = await openIncidents(db);
    } catch (err) {
      log.warn({ err }, 'could not read upstream incidents');
      return;
    }
    const names = new Set(open.map((i) => i.upstream));
    for (const upstream of [...out.keys()]) {
      if (!names.has(upstream) && !stale(upstream)) {
        out.delete(upstream);
        suspect.delete(upstream);
      }
    }
    for (const incident of open) {
      const upstream = incident.upstream as Upstream;
      if (!UPSTREAMS.includes(upstream) || stale(upstream)) continue;
      out.set(upstream, incident.reason);
      suspect.add(upstream);
    }
  }

  /** One trial per upstream that is out and has a probe; its success closes the incident. */
  async function probeAll(): Promise<void> {
    await Promise.all(
      [...out.keys()].map(async (upstream) => {
        const probe = probes.get(upstream);
        if (!probe || probing.has(upstream)) return;
        probing.add(upstream);
        try {
          await probe();
          // The policy's success closed it already; this covers a probe that bypasses the policy.
          if (out.has(upstream)) await close(upstream);
        } catch (err) {
          log.info({ upstream, reason: describeError(err) }, 'upstream still out');
        } finally {
          probing.delete(upstream);
        }
      }),
    );
  }

  const tick = async () => {
    checked = check();
    await checked;
    await probeAll();
  };

  const health: UpstreamHealth = {
    outage: (upstream) => out.get(upstream),
    accountFailed(upstream, reason) {
      const wasOut = out.has(upstream);
      out.set(upstream, reason);
      suspect.add(upstream);
      mark(upstream);
      if (!wasOut) void open(upstream, reason);
    },
    succeeded(upstream) {
      if (suspect.has(upstream)) void close(upstream);
    },
  };

  return {
    ...health,
    /** The trial call that tells whether `upstream` works again. */
    probeWith(upstream: Upstream, probe: Probe): void {
      probes.set(upstream, probe);
    },
    /**
     * The reason photoshoots cannot run now (an open incident of any upstream, read from the
     * database so an incident opened by another process counts), or undefined.
     */
    async unavailable(db2: Database = db): Promise<string | undefined> {
      try {
        const [incident] = await openIncidents(db2);
        if (incident) return `${incident.upstream} ${incident.reason}`;
      } catch (err) {
        log.warn({ err }, 'could not read upstream incidents');
      }
      const [local] = out.values();
      return local;
    },
    /** Reads incidents now, then at every interval, probing upstreams that are out. */
    start(): void {
      if (timer) return;
      void tick();
      timer = setInterval(() => void tick(), deps.checkEveryMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
    /** Settles once the first read of the incidents is done (for tests and startup). */
    ready: () => checked ?? Promise.resolve(),
  };
}

export type UpstreamHealthTracker = ReturnType<typeof createUpstreamHealth>;

/** The admins' text of an incident alert, in `locale`. */
export function incidentAlertText(
  i18n: { t(locale: string, key: string, variables?: Record<string, string | number>): string },
  locale: string,
  alert: IncidentAlert,
  retryAfterMs: number,
): string {
  return alert.kind === 'opened'
    ? i18n.t(locale, 'admin-upstream-incident', {
        upstream: alert.upstream,
        reason: alert.reason,
        seconds: Math.round(retryAfterMs / 1000),
      })
    : i18n.t(locale, 'admin-upstream-recovered', { upstream: alert.upstream, minutes: alert.minutes });
}
