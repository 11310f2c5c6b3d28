import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KieClient, KieError, SEEDREAM_T2I_MODEL } from '../../src/kie/index.js';
import type { KieClientOptions, RequestBudget, TextToImageInput } from '../../src/kie/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import type { PollFault } from '../fakes/kie/index.js';
import { rejectionOf } from '../helpers/rejection.js';

const INPUT: TextToImageInput = { prompt: 'a lighthouse at dusk', aspect_ratio: '16:9', quality: 'high' };
const RETRY = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

let fake: FakeKie;

beforeEach(async () => {
  fake = await FakeKie.start({ enforceRateLimits: false, defaultScenario: { durationMs: 30 } });
});

afterEach(async () => {
  await fake.close();
});

function setup(options: Partial<KieClientOptions> = {}) {
  const sleeps: number[] = [];
  const acquired = { create: 0, poll: 0 };
  const countingBudget = (key: 'create' | 'poll'): RequestBudget => ({
    queued: 0,
    acquire: async () => {
      acquired[key] += 1;
    },
  });
  const client = new KieClient({
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    retry: RETRY,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    createBudget: countingBudget('create'),
    pollBudget: countingBudget('poll'),
    ...options,
  });
  return { client, sleeps, acquired };
}

const kieError = (promise: Promise<unknown>) => rejectionOf(promise, KieError);

/** A fetch that answers every call with the given JSON body (HTTP 200). */
function answeringFetch(body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('KieClient.createTask', () => {
  it('sends exactly {model, input} with auth, JSON and User-Agent headers, and returns the task id', async () => {
    const { client, acquired } = setup();
    const taskId = await client.createTask(INPUT);

    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(fake.creates).toHaveLength(1);
    const call = fake.creates[0]!;
    expect(call.taskId).toBe(taskId);
    expect(call.body).toStrictEqual({
      model: SEEDREAM_T2I_MODEL,
      input: { prompt: 'a lighthouse at dusk', aspect_ratio: '16:9', quality: 'high' },
    });
    expect(call.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['accept']).toBe('application/json');
    expect(call.headers['user-agent']).toMatch(/^imagine-discord-bot\/\d+\.\d+\.\d+ \(\+node\)$/);
    expect(acquired).toEqual({ create: 1, poll: 0 });
  });

  it('adds callBackUrl only when given', async () => {
    const { client } = setup();
    await client.createTask(INPUT, { callBackUrl: 'https://bot.example/kie/callback' });
    expect(fake.creates[0]!.body).toStrictEqual({
      model: SEEDREAM_T2I_MODEL,
      input: { prompt: INPUT.prompt, aspect_ratio: INPUT.aspect_ratio, quality: INPUT.quality },
      callBackUrl: 'https://bot.example/kie/callback',
    });
  });

  it('rejects invalid input locally without spending a request', async () => {
    const { client } = setup();
    const error = await kieError(client.createTask({ ...INPUT, prompt: 'x'.repeat(3001) }));
    expect(error.kind).toBe('validation');
    expect(error.transient).toBe(false);
    expect(fake.creates).toHaveLength(0);
  });

  it.each([
    [401, 'auth', false],
    [402, 'credits', false],
    [404, 'not_found', false],
    [422, 'validation', false],
    [429, 'rate_limited', true],
    [433, 'rate_limited', false],
    [455, 'unavailable', true],
    [500, 'server', true],
    [501, 'generation_failed', false],
    [505, 'forbidden_model', false],
  ] as const)('maps body code %i sent with HTTP 200 to %s (transient %s)', async (code, kind, transient) => {
    const { client } = setup({ retry: { ...RETRY, maxAttempts: 1 } });
    fake.nextCreate({ code, msg: `message for ${code}` });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind, transient, code, httpStatus: 200, kieMessage: `message for ${code}`, maybeCreated: false });
    expect(error.message).toContain(`message for ${code}`);
  });

  it('treats a 500 that reads like a validation error as validation, and the model allowlist message as forbidden_model', async () => {
    const { client } = setup();
    fake.nextCreate({ code: 500, msg: 'This field is required' });
    fake.nextCreate({ code: 401, msg: 'The API key is not authorized to use this model' });
    expect(await kieError(client.createTask(INPUT))).toMatchObject({ kind: 'validation', transient: false });
    expect(await kieError(client.createTask(INPUT))).toMatchObject({ kind: 'forbidden_model', transient: false });
    expect(fake.creates).toHaveLength(2);
  });

  it('reads `message` when `msg` is absent', async () => {
    const { client } = setup();
    fake.nextCreate({ httpStatus: 200, body: JSON.stringify({ code: 402, message: 'Credits insufficient' }), contentType: 'application/json' });
    expect(await kieError(client.createTask(INPUT))).toMatchObject({ kind: 'credits', kieMessage: 'Credits insufficient' });
  });

  it.each([401, 402, 422])('does not retry code %i', async (code) => {
    const { client, sleeps } = setup();
    fake.nextCreate({ code });
    await kieError(client.createTask(INPUT));
    expect(fake.creates).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('answers a wrong key with auth and never puts the key in messages', async () => {
    const { client } = setup({ apiKey: 'sk-secret-wrong-key' });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind: 'auth', code: 401, transient: false });
    expect(fake.creates).toHaveLength(1);

    const echoing = setup({ retry: { ...RETRY, maxAttempts: 1 } }).client;
    fake.nextCreate({ code: 500, msg: `upstream rejected Bearer ${fake.apiKey} (key ${fake.apiKey})` });
    const echoed = await kieError(echoing.createTask(INPUT));
    expect(echoed.message).not.toContain(fake.apiKey);
    expect(echoed.kieMessage).not.toContain(fake.apiKey);
    expect(echoed.kieMessage).toContain('[redacted]');
  });

  it.each([
    ['429', { code: 429, msg: 'too many requests' }],
    ['455', { code: 455, msg: 'maintenance' }],
    ['HTTP 502 page', { httpStatus: 502, body: '<html><body>502 Bad Gateway</body></html>' }],
    ['HTTP 503 page', { httpStatus: 503, body: '<html><body>503 Service Unavailable</body></html>' }],
  ] as const)('retries a refusal KIE cannot have accepted (%s) and then succeeds', async (_name, refusal) => {
    const { client, sleeps, acquired } = setup();
    fake.nextCreate(refusal);
    const taskId = await client.createTask(INPUT);
    expect(fake.creates).toHaveLength(2);
    expect(fake.creates[1]!.taskId).toBe(taskId);
    expect(sleeps).toEqual([50]); // full jitter: random 0.5 × base 100
    expect(acquired.create).toBe(2); // the budget is charged for the retry too
  });

  it('gives up after maxAttempts with capped, jittered backoff', async () => {
    const { client, sleeps, acquired } = setup({ retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 } });
    for (let i = 0; i < 5; i += 1) fake.nextCreate({ code: 429 });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind: 'rate_limited', maybeCreated: false });
    expect(fake.creates).toHaveLength(5);
    expect(sleeps).toEqual([50, 100, 150, 150]);
    expect(acquired.create).toBe(5);
  });

  it('with a deadline, asks again after refusals past maxAttempts, telling onRefused each time, until the deadline', async () => {
    let now = 0;
    const { client, sleeps, acquired } = setup({ retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1_000 }, now: () => now });
    for (let i = 0; i < 5; i += 1) fake.nextCreate({ code: 429 });
    const refusals: Array<{ attempt: number; waitMs: number; kind: string }> = [];
    const taskId = await client.createTask(INPUT, {
      deadline: 10_000,
      onRefused: async ({ attempt, waitMs, error }) => {
        refusals.push({ attempt, waitMs, kind: error.kind });
        now += waitMs;
      },
    });
    expect(fake.creates).toHaveLength(6);
    expect(fake.creates[5]!.taskId).toBe(taskId);
    expect(sleeps).toEqual([50, 100, 200, 400, 500]);
    expect(refusals.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(refusals.every((r) => r.kind === 'rate_limited')).toBe(true);
    expect(acquired.create).toBe(6);
  });

  it('with a deadline, gives up on a refusal when the next wait would pass it', async () => {
    const { client, sleeps } = setup({ now: () => 9_990 });
    fake.nextCreate({ code: 455, msg: 'maintenance' });
    const error = await kieError(client.createTask(INPUT, { deadline: 10_000 }));
    expect(error).toMatchObject({ kind: 'unavailable', maybeCreated: false });
    expect(sleeps).toEqual([]);
    expect(fake.creates).toHaveLength(1);
  });

  it('retries when the connection is refused (nothing was sent)', async () => {
    const { client, sleeps, acquired } = setup({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind: 'network', transient: true, maybeCreated: false });
    expect(acquired.create).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('does not retry a dropped connection: the task may exist, so it says maybeCreated', async () => {
    const { client, sleeps } = setup();
    fake.nextCreate({ dropConnection: true });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind: 'network', transient: true, maybeCreated: true });
    expect(sleeps).toEqual([]);
    expect(fake.creates).toHaveLength(1);
    // The fake did accept it: exactly the billed-but-unknown task the flag warns about.
    expect(fake.task(fake.creates[0]!.taskId!)).toBeDefined();
  });

  it('does not retry after a response timeout: maybeCreated', async () => {
    const { client, sleeps } = setup({ requestTimeoutMs: 80 });
    fake.nextCreate({ delayMs: 400 });
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind: 'timeout', transient: true, maybeCreated: true });
    expect(sleeps).toEqual([]);
    expect(fake.creates).toHaveLength(1);
  });

  it.each([
    ['HTTP 504 page', { httpStatus: 504, body: '<html>504 Gateway Time-out</html>' }, 'server'],
    ['HTTP 500 page', { httpStatus: 500, body: '<html>500</html>' }, 'server'],
    ['HTTP 200 with a non-JSON body', { httpStatus: 200, body: '<html>hello</html>' }, 'bad_response'],
    ['success without taskId', { httpStatus: 200, body: '{"code":200,"msg":"success","data":{}}', contentType: 'application/json' }, 'bad_response'],
  ] as const)('does not retry an answer that may follow a creation (%s): maybeCreated', async (_name, answer, kind) => {
    const { client, sleeps } = setup();
    fake.nextCreate(answer);
    const error = await kieError(client.createTask(INPUT));
    expect(error).toMatchObject({ kind, maybeCreated: true });
    expect(fake.creates).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry a code 500 envelope (KIE refused; nothing created), but marks it transient', async () => {
    const { client, sleeps } = setup();
    fake.nextCreate({ code: 500, msg: 'Server error' });
    expect(await kieError(client.createTask(INPUT))).toMatchObject({ kind: 'server', transient: true, maybeCreated: false });
    expect(fake.creates).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('passes budget queue positions to onQueuePosition', async () => {
    const positions: number[] = [];
    const budget: RequestBudget = {
      queued: 0,
      acquire: async (options) => {
        options?.onPosition?.(2);
        options?.onPosition?.(1);
        options?.onPosition?.(0);
      },
    };
    const { client } = setup({ createBudget: budget });
    await client.createTask(INPUT, { onQueuePosition: (position) => positions.push(position) });
    expect(positions).toEqual([2, 1, 0]);
  });

  it('an abort while waiting for the budget stops before anything is sent', async () => {
    const budget: RequestBudget = {
      queued: 0,
      acquire: (options) =>
        new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal?.reason))),
    };
    const { client } = setup({ createBudget: budget });
    const controller = new AbortController();
    const beforeSend = vi.fn(async () => {});
    const pending = client.createTask(INPUT, { signal: controller.signal, beforeSend });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(beforeSend).not.toHaveBeenCalled();
    expect(fake.creates).toHaveLength(0);
  });

  it('an abort after the request left lets it finish, so a billed task is never orphaned', async () => {
    const { client } = setup();
    const controller = new AbortController();
    fake.nextCreate({ delayMs: 500 });
    const pending = client.createTask(INPUT, { signal: controller.signal });
    await fake.waitFor(() => fake.creates.length === 1);
    controller.abort(new Error('shutting down'));
    await expect(pending).resolves.toBe(fake.creates[0]!.taskId);
  });

  it('awaits beforeSend before every attempt, and a failing beforeSend sends nothing', async () => {
    const { client } = setup();
    const order: string[] = [];
    fake.nextCreate({ code: 429, msg: 'slow down' });
    await client.createTask(INPUT, {
      beforeSend: async () => {
        order.push(`before:${fake.creates.length}`);
      },
    });
    expect(order).toEqual(['before:0', 'before:1']);
    await expect(
      client.createTask(INPUT, {
        beforeSend: async () => {
          throw new Error('ledger down');
        },
      }),
    ).rejects.toThrow('ledger down');
    expect(fake.creates).toHaveLength(2);
  });
});

describe('KieClient.getTask', () => {
  it('follows a task to success and normalises the record', async () => {
    const { client } = setup();
    const taskId = await client.createTask(INPUT);
    await fake.waitFor(() => fake.task(taskId)?.state === 'success');
    const record = await client.getTask(taskId);
    expect(record).toMatchObject({
      taskId,
      state: 'success',
      resultUrls: [`${fake.url}/files/small/${taskId}.png`],
      failCode: null, // served as "" like KIE's doc example
      failMsg: null,
      creditsConsumed: 6.5,
      costTimeSeconds: 0,
    });
    expect(record.createTime).toBe(fake.task(taskId)!.createdAt);
    expect(record.completeTime).toBe(fake.task(taskId)!.completedAt);
    expect(fake.polls.map((poll) => poll.taskId)).toEqual([taskId]);
  });

  it('reports a running task with no results yet, and a failed one with its failCode', async () => {
    const { client } = setup();
    fake.nextCreate({ scenario: { outcome: 'never', states: [{ state: 'queuing', afterMs: 0 }] } });
    const running = await client.createTask(INPUT);
    expect(await client.getTask(running)).toMatchObject({
      state: 'queuing',
      resultUrls: [],
      completeTime: null,
      creditsConsumed: null,
      costTimeSeconds: null,
    });

    fake.nextCreate({ scenario: { outcome: 'fail', durationMs: 0, failCode: '400', failMsg: 'content policy violation' } });
    const failed = await client.createTask(INPUT);
    expect(await client.getTask(failed)).toMatchObject({
      state: 'fail',
      failCode: '400',
      failMsg: 'content policy violation',
      creditsConsumed: 0,
      resultUrls: [],
    });
  });

  it.each([
    ['not json', []],
    ['{"resultUrls":[]}', []],
    ['{"resultObject":{"text":"hi"}}', []],
    ['{"resultUrls":["https://cdn.example/a.png",7,""]}', ['https://cdn.example/a.png']],
  ])('parses resultJson %s defensively', async (resultJson, urls) => {
    const { client } = setup();
    fake.nextCreate({ scenario: { durationMs: 0, resultJson } });
    const taskId = await client.createTask(INPUT);
    const record = await client.getTask(taskId);
    expect(record.state).toBe('success');
    expect(record.resultUrls).toEqual(urls);
  });

  it('accepts resultJson as an object, numeric failCode, consumeCredits, message and unknown states', async () => {
    const { client } = setup({
      fetch: answeringFetch({
        code: 200,
        message: 'success',
        data: {
          taskId: 'task_seedream_1765166238716',
          state: 'success',
          resultJson: { resultUrls: ['https://tempfile.example/x.png'] },
          failCode: 0,
          failMsg: '',
          consumeCredits: 3,
          costTime: '8',
          param: '{not even json',
        },
      }),
    });
    expect(await client.getTask('task_seedream_1765166238716')).toEqual({
      taskId: 'task_seedream_1765166238716',
      state: 'success',
      resultUrls: ['https://tempfile.example/x.png'],
      failCode: '0',
      failMsg: null,
      costTimeSeconds: 8,
      createTime: null,
      completeTime: null,
      creditsConsumed: 3,
    });

    const odd = setup({ fetch: answeringFetch({ code: 200, msg: 'success', data: { state: 'processing' } }) }).client;
    expect(await odd.getTask('abc')).toMatchObject({ taskId: 'abc', state: 'processing', resultUrls: [] });
  });

  it('maps "recordInfo is null" (code 422) to not_found without retrying', async () => {
    const { client, sleeps } = setup();
    const error = await kieError(client.getTask('0123456789abcdef0123456789abcdef'));
    expect(error).toMatchObject({ kind: 'not_found', code: 422, transient: false, kieMessage: 'recordInfo is null' });
    expect(fake.polls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('answers a wrong key with auth and does not retry', async () => {
    const { client, sleeps } = setup({ apiKey: 'wrong' });
    expect(await kieError(client.getTask('abc'))).toMatchObject({ kind: 'auth', code: 401 });
    expect(fake.polls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it.each([
    ['http502', { kind: 'server', httpStatus: 502, code: undefined }],
    ['http500html', { kind: 'server', httpStatus: 500, code: undefined }],
    ['malformed', { kind: 'bad_response', httpStatus: 200, code: undefined }],
    ['code455', { kind: 'unavailable', httpStatus: 200, code: 455 }],
    ['code500', { kind: 'server', httpStatus: 200, code: 500 }],
    ['drop', { kind: 'network', httpStatus: undefined, code: undefined }],
  ] as const)('answers a %s fault with one request and a transient error: the watch decides when to poll again', async (fault, expected) => {
    const { client, sleeps, acquired } = setup();
    fake.pollFaults(1, [fault as PollFault], () => 0);
    const error = await kieError(client.getTask('abc'));
    expect(error).toMatchObject({ ...expected, transient: true });
    expect(error.message).not.toContain('<html');
    expect(fake.polls).toHaveLength(1);
    expect(acquired.poll).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('times out a request that never answers, once', async () => {
    let calls = 0;
    const hangingFetch: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        calls += 1;
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const { client, sleeps } = setup({ fetch: hangingFetch, requestTimeoutMs: 20 });
    expect(await kieError(client.getTask('abc'))).toMatchObject({ kind: 'timeout', transient: true });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

});
