import { systemClock } from '../clock.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_SKEW_MS, parseCallbackTaskId, verifyKieSignature } from '../kie/index.js';
import type { Logger } from '../log.js';
import { RefusalLog } from './refusal-log.js';
import { CallbackWakeGate } from './wake-gate.js';

/**
 * What one client may hold of the receiver. KIE sends one small JSON POST per task; anything slower, bigger
 * or more numerous is someone else. Node's own defaults (300 s per request, no connection cap, 1 MiB read
 * here before) let a few hundred idle sockets take every file descriptor of the bot.
 */
export interface CallbackLimits {
  /** The request line and headers must arrive within this (counted from the first byte). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this. */
  requestTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed: the request timeouts only start at the first byte. */
  idleTimeoutMs: number;
  /** How long a kept-alive socket may wait for its next request. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are dropped at once. */
  maxConnections: number;
  /** Bodies over this are refused with 413 (KIE's callbacks are a few hundred bytes). */
  maxBodyBytes: number;
  /** How often Node checks the header and request timeouts (its default, 30 s, would stretch them). */
  timeoutCheckIntervalMs: number;
}

export const DEFAULT_CALLBACK_LIMITS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  keepAliveTimeoutMs: 2_000,
  maxConnections: 128,
  maxBodyBytes: 64 * 1024,
  timeoutCheckIntervalMs: 500,
} as const satisfies CallbackLimits;

/** One task is woken at most this often, however many callbacks name it. */
const MIN_WAKE_INTERVAL_MS = 1_000;
/** Refused callbacks are logged at most this often, with a count. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface CallbackReceiverOptions {
  port: number;
  host: string;
  /** Only this path accepts callbacks (the path of CALLBACK_URL). */
  path: string;
  /** A callback must carry a valid, fresh KIE signature made with this key, or it is refused. */
  hmacKey: string;
  /** Wakes the watch of a task; the watch then asks recordInfo, which stays the source of truth. */
  wake: (taskId: string) => void;
  logger: Logger;
  now?: () => number;
  limits?: Partial<CallbackLimits>;
}

export interface CallbackReceiver {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Receives KIE's completion callbacks. A callback is only a hint that a task may have finished: it cuts the
 * task's polling pause short; a replayed one wakes nothing, and no task is woken more than once a second.
 */
export async function startCallbackReceiver(options: CallbackReceiverOptions): Promise<CallbackReceiver> {
  const now = options.now ?? systemClock.now;
  const limits: CallbackLimits = { ...DEFAULT_CALLBACK_LIMITS, ...options.limits };
  const refusals = new RefusalLog(options.logger, REFUSAL_LOG_INTERVAL_MS, now);
  const gate = new CallbackWakeGate({ replayWindowMs: DEFAULT_MAX_SKEW_MS, minWakeIntervalMs: MIN_WAKE_INTERVAL_MS, wake: options.wake, now });

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        options.logger.warn({ err: error }, 'callback handling failed');
        if (!res.headersSent) reply(res, 500, { code: 500, msg: 'error' });
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  // Without a 'timeout' listener Node destroys the idle socket, which is what we want.
  server.setTimeout(limits.idleTimeoutMs);

  function refuse(res: ServerResponse, status: number, msg: string, reason: string, close = false): void {
    refusals.refused(reason);
    reply(res, status, { code: status, msg }, close);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://callback');
    if (url.pathname !== options.path) return refuse(res, 404, 'not found', 'path');
    if (req.method !== 'POST') return refuse(res, 405, 'method not allowed', 'method');
    // A declared length over the limit is refused before any of the body is read.
    if (Number(header(req, 'content-length') ?? 0) > limits.maxBodyBytes) return refuse(res, 413, 'body too large', 'size', true);
    const body = await readBody(req, limits.maxBodyBytes);
    if (body === 'aborted') return;
    if (body === 'too_large') return refuse(res, 413, 'body too large', 'size', true);
    const taskId = parseCallbackTaskId(body);
    if (!taskId) return refuse(res, 400, 'no taskId', 'body');
    const timestamp = header(req, 'x-webhook-timestamp');
    const valid = verifyKieSignature({
      taskId,
      timestampHeader: timestamp,
      signatureHeader: header(req, 'x-webhook-signature'),
      hmacKey: options.hmacKey,
      nowMs: now(),
    });
    if (!valid || timestamp === undefined) return refuse(res, 401, 'invalid signature', 'signature');
    const decision = gate.admit(taskId, timestamp.trim());
    options.logger.debug({ taskId, decision }, 'callback received');
    // A replay is answered like the original: the sender has nothing to retry.
    return reply(res, 200, { code: 200, msg: 'success' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      refusals.close();
      gate.close();
      await closeServer(server);
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body, or 'too_large' as soon as it passes the limit (the rest is never buffered), or 'aborted'. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (outcome: Buffer | 'too_large' | 'aborted' | Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) done('too_large');
      else chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onError = (error: Error) => done(error);
    const onClose = () => done('aborted');
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/** `close` ends the connection after the answer, so an unread body is not read to its end to reuse the socket. */
function reply(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
