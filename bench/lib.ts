import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const median = (values: number[]): number => percentile(values, 50);

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; returns per-task latencies (ms). */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  const latencies: number[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - started };
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  process.stdout.write(`\n${title}\n`);
  const keys = Object.keys(rows[0] ?? {});
  const width = (k: string) => Math.max(k.length, ...rows.map((r) => String(r[k]).length));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(width(keys[i] ?? ''))).join('  ')}\n`;
  process.stdout.write(line(keys));
  for (const row of rows) process.stdout.write(line(keys.map((k) => String(row[k]))));
}

export function writeResult(name: string, data: unknown): string {
  const dir = path.resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
  return file;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** a / b with two decimals, for "x times" columns. */
export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** The environment of a bot process run against the local fakes (warn-level logs, short polls). */
export function fakeServicesEnv(fakes: {
  token: string;
  telegramApiRoot: string;
  openaiBaseUrl: string;
  databaseUrl: string | undefined;
  metricsPort: number;
}): Record<string, string> {
  return {
    BOT_TOKEN: fakes.token,
    TELEGRAM_API_ROOT: fakes.telegramApiRoot,
    OPENAI_API_KEY: 'sk-benchmark',
    OPENAI_BASE_URL: fakes.openaiBaseUrl,
    DATABASE_URL: fakes.databaseUrl ?? '',
    METRICS_PORT: String(fakes.metricsPort),
    TELEGRAM_POLL_TIMEOUT_S: '1',
    LOG_LEVEL: 'warn',
  };
}
