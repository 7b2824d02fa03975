import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import { settlesWithin, withTimeout } from '../with-timeout.js';

/** Who runs a claimed task: the worker's name and the attempt it claimed (its run's token). */
export interface RunToken {
  owner: string;
  attempts: number;
}

/** A task as a queue hands it out: its id and the attempt this claim made. */
export interface ClaimedTask {
  id: number;
  attempts: number;
}

/** Where the tasks live: the loop knows nothing else about them. */
export interface TaskQueue<T extends ClaimedTask> {
  /** The next task for `owner` (FOR UPDATE SKIP LOCKED, so several processes can share the queue), or none. */
  claim(owner: string): Promise<T | undefined>;
  /** Takes over tasks whose process died (a stale heartbeat). */
  recover(): Promise<void>;
  /** Gives running tasks back to the queue at once (shutdown); returns the ids handed back. */
  handBack(runs: { id: number; token: RunToken }[]): Promise<number[]>;
}

/** What a run is given: its token, the signal that stops it, and a way to stop other runs here. */
export interface RunContext {
  token: RunToken;
  controller: AbortController;
  /** Aborts the runs of these tasks in this process with `reason` (a run never aborts itself this way). */
  abort(ids: readonly number[], reason: unknown): void;
}

export interface QueueLoopOptions<T extends ClaimedTask> {
  /** A short name for logs ("photoshoot"). */
  name: string;
  queue: TaskQueue<T>;
  run(task: T, context: RunContext): Promise<void>;
  /** Runs at once at most. */
  concurrency: number;
  /** Milliseconds between claims when nothing woke the loop. */
  pollMs: number;
  /** Milliseconds between recoveries (the first pass recovers). */
  recoverEveryMs: number;
  /** The reason a run is aborted with when shutdown hands it back. */
  handBackReason(): unknown;
  logger: Logger;
}

/** Kept at the end of a shutdown to hand back the tasks that cannot finish. */
const HAND_BACK_RESERVE_MS = 1000;

/**
 * A durable queue's worker loop, knowing nothing of what it runs: claim (up to `concurrency`),
 * run each task with its own abort signal, recover tasks a dead process left, wake at once when
 * told, and stop: running tasks get until the deadline, and those that cannot finish are aborted
 * and handed back to the queue.
 */
export function createQueueLoop<T extends ClaimedTask>(options: QueueLoopOptions<T>) {
  const { queue, logger, name } = options;
  /** This worker's name in the queue's owner column: unique per process and per loop. */
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const running = new Map<number, { controller: AbortController; done: Promise<void>; token: RunToken }>();
  let active = false;
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  let lastRecovery = 0;

  const abort = (ids: readonly number[], reason: unknown) => {
    for (const id of ids) running.get(id)?.controller.abort(reason);
  };

  async function recover(): Promise<void> {
    lastRecovery = Date.now();
    try {
      await queue.recover();
    } catch (err) {
      logger.error({ err }, `could not recover interrupted ${name}s`);
    }
  }

  async function loop(): Promise<void> {
    while (active) {
      if (Date.now() - lastRecovery >= options.recoverEveryMs) await recover();
      while (active && running.size < options.concurrency) {
        let task: T | undefined;
        try {
          task = await queue.claim(workerId);
        } catch (err) {
          logger.error({ err }, `could not claim a ${name}`);
        }
        if (!task) break;
        launch(task);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  function launch(task: T): void {
    const controller = new AbortController();
    const token: RunToken = { owner: workerId, attempts: task.attempts };
    const done = options
      .run(task, { token, controller, abort })
      .catch((err: unknown) => logger.error({ err, task_id: task.id }, `${name} crashed`))
      .finally(() => {
        if (running.get(task.id)?.token === token) running.delete(task.id);
        wake?.();
      });
    running.set(task.id, { controller, done, token });
  }

  return {
    /** Starts claiming; the first pass recovers tasks left by a dead process (a database that is down is retried there). */
    start(): void {
      active = true;
      loopDone = loop();
    },
    /** A task was queued in this process: look at once instead of at the next poll. */
    kick(): void {
      wake?.();
    },
    abort,
    /**
     * Stops claiming and waits for running tasks, up to `timeoutMs` less a moment kept to hand
     * back those that cannot finish: they are aborted and go back to the queue at once. True:
     * every task finished (or was handed back) in time.
     */
    async stop(timeoutMs: number): Promise<boolean> {
      active = false;
      wake?.();
      const deadline = Date.now() + timeoutMs;
      const handBackAt = deadline - Math.min(HAND_BACK_RESERVE_MS, timeoutMs / 2);
      // The loop may be waiting on a database that stalls (a claim that never answers): the
      // bound covers it too, so shutdown never outlasts its timeout.
      const loopStopped = await settlesWithin(loopDone, handBackAt - Date.now());
      const finished = () => Promise.allSettled([...running.values()].map((r) => r.done));
      if (loopStopped) await settlesWithin(finished(), handBackAt - Date.now());
      if (!loopStopped) logger.warn(`shutdown cut short the ${name} loop, still waiting on the database`);
      if (running.size === 0) return loopStopped;
      const runs = [...running.entries()].map(([id, r]) => ({ id, token: r.token }));
      for (const r of running.values()) r.controller.abort(options.handBackReason());
      const handed = await withTimeout(queue.handBack(runs), deadline - Date.now(), (): number[] => []).catch(
        (err: unknown): number[] => {
          logger.error({ err }, `could not hand ${name}s back to the queue; they are taken over once stale`);
          return [];
        },
      );
      logger.warn(
        { handed_back: handed, running: runs.length },
        `shutdown handed running ${name}s back to the queue; the next start resumes them`,
      );
      // Their writes are refused from now on (their token is void); let them unwind before the pool closes.
      await settlesWithin(finished(), deadline - Date.now());
      return loopStopped && handed.length === runs.length;
    },
    stats: () => ({ running: running.size }),
  };
}

export type QueueLoop = ReturnType<typeof createQueueLoop>;
