/**
 * How an error is put into words, in the two forms the product needs. They differ on purpose:
 * a log reason is read by an operator next to other fields, so it is one line that reaches
 * through the wrappers (drizzle's "Failed query", `cause` chains) to the driver's reason and
 * code; a stored error is kept on a job and its images and read back (a declined image is
 * recognised by its class name), so it keeps the error's own `Name: message`.
 */

/** A short, single-line reason for an error, without a stack trace: for logs and operators. */
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

/** The error as recorded on a job and its images: its class and message. */
export function recordedError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
