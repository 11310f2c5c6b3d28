import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CALLBACK_LIMITS } from '../../src/callbacks/server.js';
import { signKieCallback } from '../fakes/kie/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { captureLogs, type CapturedLogs } from '../helpers/log-capture.js';
import { freePort } from '../helpers/ports.js';

const HMAC_KEY = 'test-hmac-key-limits';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface HeldSocket {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
}

/** A raw TCP client of the receiver that records when the server closed it. */
function hold(port: number): HeldSocket {
  const socket = connect(port, '127.0.0.1');
  const held: HeldSocket = { socket, openedAt: Date.now() };
  socket.on('error', () => undefined);
  socket.on('close', () => (held.closedAt = Date.now()));
  return held;
}

async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the KIE callback receiver under abuse', () => {
  let harness: Harness;
  let logs: CapturedLogs;
  let port: number;
  let callbackUrl: string;

  beforeAll(async () => {
    port = await freePort();
    callbackUrl = `http://127.0.0.1:${port}/kie/callback`;
    logs = captureLogs();
    harness = await startHarness({
      env: { CALLBACK_URL: callbackUrl, CALLBACK_PORT: String(port), WEBHOOK_HMAC_KEY: HMAC_KEY, LOG_LEVEL: 'info', QUOTA_DAILY: '50' },
      kie: { defaultScenario: { durationMs: 1_000 }, hmacKey: HMAC_KEY },
      logDestination: logs.destination,
      tuningDefaults: false,
      tuning: { progressIntervalMs: 200 },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('listens on 127.0.0.1 unless CALLBACK_HOST says otherwise', () => {
    expect(harness.config.callbackHost).toBe('127.0.0.1');
    expect(logs.lines.find((line) => line.msg === 'KIE callback receiver listening')).toMatchObject({ host: '127.0.0.1', port });
  });

  it('300 silent connections and slow-loris headers do not stop /imagine, and each is closed within the limits', async () => {
    const { headersTimeoutMs, idleTimeoutMs, maxConnections } = DEFAULT_CALLBACK_LIMITS;
    // Slow-loris first, so that they get connection slots: a header line every 500 ms, never the blank line.
    const loris = Array.from({ length: 20 }, () => hold(port));
    const drip = setInterval(() => {
      for (const { socket, closedAt } of loris) if (closedAt === undefined) socket.write('X-Slow: 1\r\n');
    }, 500);
    for (const { socket } of loris) socket.write('POST /kie/callback HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await sleep(100);
    const silent = Array.from({ length: 300 }, () => hold(port));
    const everyone = () => [...loris, ...silent];
    try {
      const started = Date.now();
      const interaction = harness.imagine({ prompt: 'a lantern in a storm' });
      const ack = await interaction.waitForResponse();
      expect(ack.latencyMs).toBeLessThan(3_000);
      const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 30_000);
      expect(message.attachments).toHaveLength(1);
      console.log(`under 300 silent + 20 slow-loris connections: defer ${ack.latencyMs} ms, image after ${Date.now() - started} ms`);

      await waitUntil(() => everyone().every((held) => held.closedAt !== undefined), 15_000, 'every abusive connection to be closed');
      const lifetimes = (group: HeldSocket[]) => group.map((held) => held.closedAt! - held.openedAt);
      // The cap: a connection over it is dropped when accepted; one under it is held until a timeout closes it
      // (5 s after its last byte), so only held ones live that long.
      const held = lifetimes(everyone()).filter((lifetime) => lifetime >= Math.min(headersTimeoutMs, idleTimeoutMs) - 500);
      const dropped = everyone().length - held.length;
      const lorisMax = Math.max(...lifetimes(loris));
      const silentMax = Math.max(...lifetimes(silent));
      console.log(`held ${held.length}, dropped at once ${dropped}; slow-loris closed after at most ${lorisMax} ms, silent connections after at most ${silentMax} ms`);
      expect(held.length).toBeLessThanOrEqual(maxConnections);
      expect(dropped).toBeGreaterThanOrEqual(everyone().length - maxConnections);
      // Node checks the header timeout every 500 ms here; the bound is 10 s for either kind.
      expect(lorisMax).toBeLessThanOrEqual(10_000);
      expect(silentMax).toBeLessThanOrEqual(10_000);
    } finally {
      clearInterval(drip);
      for (const held of [...loris, ...silent]) held.socket.destroy();
    }

    // The receiver still serves KIE.
    const taskId = 'abababababababababababababababab';
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await fetch(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-timestamp': String(timestamp), 'x-webhook-signature': signKieCallback(taskId, timestamp, HMAC_KEY) },
      body: JSON.stringify({ code: 200, data: { taskId, state: 'success' } }),
    });
    expect(answer.status).toBe(200);
  }, 60_000);

  it('refuses a body over 64 KiB with 413, declared or chunked, without waking anything', async () => {
    const pollsBefore = harness.kie.polls.length;
    const declared = await fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    expect(await declared.json()).toEqual({ code: 413, msg: 'body too large' });

    // Without a Content-Length the body is counted as it comes and refused once it passes the limit.
    const chunk = new TextEncoder().encode('y'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 100 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const chunked = await fetch(callbackUrl, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);

    // Just under the limit is read (and refused for what it says, not for its size).
    const under = await fetch(callbackUrl, { method: 'POST', body: JSON.stringify({ pad: 'z'.repeat(60 * 1024) }) });
    expect(under.status).toBe(400);
    expect(harness.kie.polls.length).toBe(pollsBefore);
  });

  it('logs refused callbacks at most once a minute, with a count', async () => {
    const refusedLines = () => logs.lines.filter((line) => line.msg === 'KIE callbacks refused');
    const before = refusedLines().length;
    for (let i = 0; i < 25; i++) expect((await fetch(callbackUrl, { method: 'POST', body: '{}' })).status).toBe(400);
    // The earlier tests' refusals already opened this minute's line (or this burst opens it); either way no line per refusal.
    expect(refusedLines().length - before).toBeLessThanOrEqual(1);
    const last = refusedLines().at(-1)!;
    expect(last['count']).toBeGreaterThanOrEqual(1);
  });
});
