/** Storage could not be opened; the message is one line naming STORAGE_URL, never its password. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

/**
 * SQLite codes that mean the database cannot be used now (closed, locked, disk, file); SQLITE_ERROR and
 * SQLITE_CONSTRAINT mean a statement was wrong, which is a bug, not an outage.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|MISUSE|CORRUPT|NOTADB|PROTOCOL|PERM|NOMEM|INTERRUPT)/;

const REDIS_CONNECTION_ERRORS = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'ReconnectStrategyError',
]);

/** Whether an error means the store could not be reached or used, as opposed to a bug in the caller. */
export function isStoreError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SQLITE_UNAVAILABLE.test(code)) return true;
    if (REDIS_CONNECTION_ERRORS.has(current.name) || REDIS_CONNECTION_ERRORS.has(current.constructor.name)) return true;
    if (current instanceof StorageError) return true;
  }
  return false;
}

/** A short reason: the system error code when there is one, else the first line of the message. */
export function describeStoreError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const cause = error.cause;
    if (cause instanceof Error && cause !== error) return describeStoreError(cause);
    const firstLine = error.message.split('\n', 1)[0]?.trim() ?? '';
    return (firstLine || error.name).slice(0, 160);
  }
  return String(error).slice(0, 160);
}

/** The default for errors after start-up when the caller passes no onError. */
export function warnStoreError(error: unknown): void {
  console.warn(`storage: ${describeStoreError(error)}`);
}

export function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}
