import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PollFault } from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;

export type Answer = { kind: 'json'; status: number; body: unknown } | { kind: 'raw'; status: number; body: string; contentType: string };

export const envelope = (code: number, msg: string, data: unknown = null): unknown => ({ code, msg, data });

export function send(res: ServerResponse, answer: Answer, bytes?: Buffer): void {
  if (res.destroyed) return;
  const payload = bytes ?? Buffer.from(answer.kind === 'json' ? JSON.stringify(answer.body) : answer.body);
  res.writeHead(answer.status, {
    'Content-Type': answer.kind === 'json' ? 'application/json' : answer.contentType,
    'Content-Length': payload.length,
  });
  res.end(payload);
}

/** Sends `bytes` a chunk at a time, `later` scheduling each next chunk (a slow image host). */
export function trickle(res: ServerResponse, bytes: Buffer, chunk: { bytes: number; intervalMs: number }, later: (ms: number, action: () => void) => void): void {
  res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': bytes.length });
  let offset = 0;
  const step = (): void => {
    if (res.destroyed) return;
    const part = bytes.subarray(offset, offset + chunk.bytes);
    offset += part.length;
    if (offset >= bytes.length) {
      res.end(part);
      return;
    }
    res.write(part);
    later(chunk.intervalMs, step);
  };
  step();
}

export function unauthorized(): Answer {
  return { kind: 'json', status: 200, body: envelope(401, 'You do not have access permissions') };
}

export function faultAnswer(fault: Exclude<PollFault, 'drop'>): Answer {
  switch (fault) {
    case 'http500html':
      return { kind: 'raw', status: 500, body: '<html><body><h1>500 Internal Server Error</h1></body></html>', contentType: 'text/html' };
    case 'http502':
      return { kind: 'raw', status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>', contentType: 'text/html' };
    case 'code455':
      return { kind: 'json', status: 200, body: envelope(455, 'Service unavailable: system maintenance') };
    case 'code500':
      return { kind: 'json', status: 200, body: envelope(500, 'Server error, please try again later') };
    case 'malformed':
      return { kind: 'raw', status: 200, body: '{"code":200,"msg":"success","data":{"taskId":', contentType: 'application/json' };
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function headerRecord(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
