import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCallbackTaskId, verifyKieSignature } from '../kie/index.js';
import type { Logger } from '../log.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface CallbackReceiverOptions {
  port: number;
  host?: string;
  /** Only this path accepts callbacks (the path of CALLBACK_URL). */
  path: string;
  /** When set, a callback must carry a valid, fresh KIE signature or it is refused. */
  hmacKey: string | undefined;
  /** Wakes the watch of a task; the watch then asks recordInfo, which stays the source of truth. */
  wake: (taskId: string) => void;
  logger: Logger;
  now?: () => number;
}

export interface CallbackReceiver {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Receives KIE's completion callbacks. A callback is only a hint that a task may have finished: it cuts the
 * task's polling pause short, so a forged or replayed one can cost at most one extra recordInfo call.
 */
export async function startCallbackReceiver(options: CallbackReceiverOptions): Promise<CallbackReceiver> {
  const now = options.now ?? Date.now;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.warn({ err: error }, 'callback handling failed');
      if (!res.headersSent) reply(res, 500, { code: 500, msg: 'error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://callback');
    if (url.pathname !== options.path) return reply(res, 404, { code: 404, msg: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { code: 405, msg: 'method not allowed' });
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { code: 413, msg: 'body too large' });
    const taskId = parseCallbackTaskId(body);
    if (!taskId) return reply(res, 400, { code: 400, msg: 'no taskId' });
    if (options.hmacKey) {
      const valid = verifyKieSignature({
        taskId,
        timestampHeader: header(req, 'x-webhook-timestamp'),
        signatureHeader: header(req, 'x-webhook-signature'),
        hmacKey: options.hmacKey,
        nowMs: now(),
      });
      if (!valid) {
        options.logger.warn({ taskId }, 'callback refused: missing, stale or wrong signature');
        return reply(res, 401, { code: 401, msg: 'invalid signature' });
      }
    }
    options.wake(taskId);
    options.logger.debug({ taskId }, 'callback received');
    return reply(res, 200, { code: 200, msg: 'success' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
