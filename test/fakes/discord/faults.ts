/** Injected REST failures: the next matching requests get a canned answer instead of the real one. */
import type { FaultSpec } from './types.js';

export interface FaultAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const STATUS_TEXT: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** Discord's bodies for the usual failures, so a fault without `body` still looks real. */
function defaultAnswer(fault: FaultSpec): FaultAnswer {
  const headers = { ...(fault.headers ?? {}) };
  if (fault.status === 429) {
    const retryHeader = Object.entries(headers).find(([key]) => key.toLowerCase() === 'retry-after')?.[1];
    const retryAfter = retryHeader === undefined ? 1 : Number(retryHeader);
    if (retryHeader === undefined) headers['retry-after'] = String(retryAfter);
    return {
      status: 429,
      headers: { 'x-ratelimit-scope': 'user', ...headers },
      body: fault.body ?? { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
    };
  }
  const text = STATUS_TEXT[fault.status] ?? 'Error';
  return { status: fault.status, headers, body: fault.body ?? { message: `${fault.status}: ${text}`, code: 0 } };
}

export class FaultInjector {
  private readonly pending: { fault: FaultSpec; remaining: number }[] = [];

  add(fault: FaultSpec): void {
    this.pending.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Consumes one use of the first fault matching the request, if any. */
  take(method: string, path: string): FaultAnswer | undefined {
    const entry = this.pending.find(
      ({ fault }) => {
        fault.path.lastIndex = 0;
        return (fault.method === undefined || fault.method.toUpperCase() === method) && fault.path.test(path);
      },
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(this.pending.indexOf(entry), 1);
    return defaultAnswer(entry.fault);
  }
}
