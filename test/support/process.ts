import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts one of the project's entry points as a real Node process, with only `env` set.
 * `script` is a file (run with node) or `npm:<script>` (run the way an operator does).
 */
export function startProcess(
  script: string,
  env: Record<string, string | undefined>,
  scriptArgs: string[] = [],
): RunningProcess {
  const [command, args] = script.startsWith('npm:')
    ? ['npm', ['run', '--silent', script.slice(4), ...(scriptArgs.length > 0 ? ['--', ...scriptArgs] : [])]]
    : [process.execPath, ['--import', 'tsx', script, ...scriptArgs]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Never the developer's .env: a test sets every variable it means.
      ENV_FILE: '',
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      // Tests run bots side by side; one that wants the endpoint picks a free port.
      METRICS_PORT: '0',
      // The image budget paces at tier 1 (5 a minute) by default; a test about the pace sets its own.
      IMAGE_RATE_PER_MINUTE: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    err += String(chunk);
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    output: () => out + err,
    stderr: () => err,
    exited,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out + err)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`Output never matched ${pattern}:\n${out}${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Resolves with the exit code, or throws if the process outlives `timeoutMs` (and kills it). */
export async function exitWithin(proc: RunningProcess, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      reject(new Error(`Process did not exit within ${timeoutMs} ms:\n${proc.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port nobody listens on right now (for a process under test to bind). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
