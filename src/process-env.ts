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
