import { existsSync } from 'node:fs';

/**
 * Loads the env file when present: ENV_FILE names it (default `.env`; empty: none, which is
 * how tests start the bot without a developer's `.env`). Variables already set in the
 * environment win.
 */
export function loadDotEnv(file = process.env.ENV_FILE ?? '.env'): void {
  if (file && existsSync(file)) process.loadEnvFile(file);
}

/** One line on stderr and a non-zero exit: what an operator sees when the process cannot start. */
export function exitWithError(message: string, redact: (text: string) => string = (t) => t): never {
  process.stderr.write(`${redact(message)}\n`);
  process.exit(1);
}

/** A short, single-line reason for an error, without a stack trace. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error && parts.length < 4) {
    // drizzle wraps driver errors in "Failed query: <sql> params: ..."; the driver's reason is what matters.
    if (current.message && !current.message.startsWith('Failed query:') && !parts.includes(current.message)) {
      parts.push(current.message);
    }
    current = current.cause;
  }
  if (parts.length === 0) parts.push(err.name);
  const code = (err as { code?: unknown }).code;
  const text = parts.join(': ');
  return (typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text).replace(/\s+/g, ' ');
}
