import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KieClient, parseCallbackTaskId, parseTaskRecord, verifyKieSignature } from '../../src/kie/index.js';
import { FakeKie, signKieCallback } from '../fakes/kie/index.js';

const KEY = 'webhook-hmac-key';
const TASK = 'e989621f54392584b05867f87b160672';
const NOW_MS = 1_765_166_238_716;
const NOW_S = Math.floor(NOW_MS / 1000);

/** Computed independently of the module under test (by the fake KIE), exactly as KIE documents it. */
function kieSignature(taskId: string, timestamp: string | number, key = KEY): string {
  return signKieCallback(taskId, timestamp, key);
}

function verify(overrides: Partial<Parameters<typeof verifyKieSignature>[0]> = {}): boolean {
  return verifyKieSignature({
    taskId: TASK,
    timestampHeader: String(NOW_S),
    signatureHeader: kieSignature(TASK, NOW_S),
    hmacKey: KEY,
    nowMs: NOW_MS,
    ...overrides,
  });
}

describe('verifyKieSignature', () => {
  it('accepts a fresh signature of `${taskId}.${timestamp}`', () => {
    expect(verify()).toBe(true);
    expect(verify({ timestampHeader: [String(NOW_S)], signatureHeader: [kieSignature(TASK, NOW_S)] })).toBe(true);
  });

  it('refuses forgeries: other key, other task, other timestamp, flipped byte', () => {
    expect(verify({ signatureHeader: kieSignature(TASK, NOW_S, 'another-key') })).toBe(false);
    expect(verify({ taskId: '0123456789abcdef0123456789abcdef' })).toBe(false);
    expect(verify({ timestampHeader: String(NOW_S - 1) })).toBe(false);
    const bytes = Buffer.from(kieSignature(TASK, NOW_S), 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(verify({ signatureHeader: bytes.toString('base64') })).toBe(false);
  });

  it('refuses stale and future timestamps beyond the allowed skew (5 min by default)', () => {
    const at = (timestamp: number, maxSkewMs?: number): boolean =>
      verify({
        timestampHeader: String(timestamp),
        signatureHeader: kieSignature(TASK, timestamp),
        ...(maxSkewMs === undefined ? {} : { maxSkewMs }),
      });
    expect(at(NOW_S - 299)).toBe(true);
    expect(at(NOW_S - 301)).toBe(false);
    expect(at(NOW_S + 299)).toBe(true);
    expect(at(NOW_S + 301)).toBe(false);
    expect(at(NOW_S - 30, 10_000)).toBe(false);
    // Milliseconds instead of seconds is far in the future: refused.
    expect(at(NOW_MS)).toBe(false);
  });

  it('refuses malformed or missing headers and empty keys', () => {
    expect(verify({ timestampHeader: undefined })).toBe(false);
    expect(verify({ signatureHeader: undefined })).toBe(false);
    expect(verify({ signatureHeader: null })).toBe(false);
    expect(verify({ timestampHeader: `${NOW_S}.5` })).toBe(false);
    expect(verify({ timestampHeader: '-1' })).toBe(false);
    expect(verify({ timestampHeader: 'soon' })).toBe(false);
    expect(verify({ signatureHeader: 'not base64 at all!' })).toBe(false);
    expect(verify({ signatureHeader: Buffer.alloc(16).toString('base64') })).toBe(false);
    expect(verify({ signatureHeader: kieSignature(TASK, NOW_S).toString() + 'AAAA' })).toBe(false);
    expect(verify({ timestampHeader: [String(NOW_S), String(NOW_S)] })).toBe(false);
    expect(verify({ hmacKey: '' })).toBe(false);
    expect(verify({ taskId: '' })).toBe(false);
  });
});

describe('parseCallbackTaskId', () => {
  it('reads data.taskId, then data.task_id, then taskId', () => {
    expect(parseCallbackTaskId({ code: 200, data: { taskId: 'a', task_id: 'b' }, taskId: 'c' })).toBe('a');
    expect(parseCallbackTaskId({ data: { task_id: 'b' }, taskId: 'c' })).toBe('b');
    expect(parseCallbackTaskId({ data: null, taskId: 'c' })).toBe('c');
    expect(parseCallbackTaskId(JSON.stringify({ data: { taskId: TASK } }))).toBe(TASK);
  });

  it('returns undefined for anything else', () => {
    expect(parseCallbackTaskId(undefined)).toBeUndefined();
    expect(parseCallbackTaskId('not json')).toBeUndefined();
    expect(parseCallbackTaskId([{ taskId: 'a' }])).toBeUndefined();
    expect(parseCallbackTaskId({ data: { taskId: 42 } })).toBeUndefined();
    expect(parseCallbackTaskId({ data: { taskId: '   ' } })).toBeUndefined();
    expect(parseCallbackTaskId({ data: { taskId: 'x'.repeat(500) } })).toBeUndefined();
  });
});

describe('callbacks from the fake KIE', () => {
  let fake: FakeKie | undefined;
  let receiver: ReturnType<typeof createServer> | undefined;

  afterEach(async () => {
    await fake?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('arrive signed, carry the recordInfo shape, and verify with the shared key', async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":200,"msg":"success"}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const callBackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kie`;

    fake = await FakeKie.start({ hmacKey: KEY, defaultScenario: { durationMs: 20 } });
    const client = new KieClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const taskId = await client.createTask({ prompt: 'a fox', aspect_ratio: '1:1', quality: 'basic' }, { callBackUrl });
    await fake.waitFor(() => received.length === 1);

    const callback = received[0]!;
    const body = JSON.parse(callback.body) as { code: number; data: unknown };
    expect(body.code).toBe(200);
    expect(parseCallbackTaskId(body)).toBe(taskId);
    expect(parseTaskRecord(body.data)).toMatchObject({ taskId, state: 'success', resultUrls: [`${fake.url}/files/small/${taskId}.png`] });
    const signed = {
      taskId,
      timestampHeader: callback.headers['x-webhook-timestamp'],
      signatureHeader: callback.headers['x-webhook-signature'],
      hmacKey: KEY,
      nowMs: Date.now(),
    };
    expect(verifyKieSignature(signed)).toBe(true);
    expect(verifyKieSignature({ ...signed, hmacKey: 'wrong' })).toBe(false);
    await fake.waitFor(() => fake!.callbacks[0]?.status !== undefined);
    expect(fake.callbacks[0]).toMatchObject({ taskId, url: callBackUrl, status: 200 });
  });
});
