import { Status, type Client } from 'discord.js';
import { describeStoreError } from '../storage/errors.js';
import { noAnswerWithin, withDeadline } from '../util/deadline.js';

/** What /healthz answers: ok only when every check passed; `failing` names the ones that did not. */
export interface HealthReport {
  status: 'ok' | 'unavailable';
  gateway: 'connected' | 'disconnected';
  /** 'ok', or why the store did not answer (an error code or a short reason, never a URL or password). */
  store: string;
  failing: string[];
}

export interface HealthChecks {
  /** Whether this process's gateway connections are all up. */
  gatewayConnected: () => boolean;
  /** A read that resolves when the store answers. */
  probeStore: () => Promise<unknown>;
  /** A store that does not answer in this long counts as failing (default 2 s). */
  storeTimeoutMs?: number;
  onStoreFailure?: (error: unknown) => void;
}

/** Every shard of the discord.js client has an open, identified gateway connection. */
export function gatewayConnected(client: Client): boolean {
  const shards = [...client.ws.shards.values()];
  return shards.length > 0 && shards.every((shard) => shard.status === Status.Ready);
}

/** Runs both checks (the store with a deadline) and says which failed. */
export async function checkHealth({ gatewayConnected: gateway, probeStore, storeTimeoutMs = 2_000, onStoreFailure }: HealthChecks): Promise<HealthReport> {
  const connected = gateway();
  let store = 'ok';
  try {
    await withDeadline(probeStore(), storeTimeoutMs, noAnswerWithin(storeTimeoutMs));
  } catch (error) {
    onStoreFailure?.(error);
    store = describeStoreError(error);
  }
  const failing = [...(connected ? [] : ['gateway']), ...(store === 'ok' ? [] : ['store'])];
  return { status: failing.length === 0 ? 'ok' : 'unavailable', gateway: connected ? 'connected' : 'disconnected', store, failing };
}

