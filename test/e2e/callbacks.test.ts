import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKieCallback } from '../fakes/kie/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { freePort } from '../helpers/ports.js';

const HMAC_KEY = 'test-hmac-key-123';
const CALLBACK_PATH = '/kie/callback';

/** A harness whose bot receives KIE callbacks on a loopback port and keeps its own (callback-mode) poll schedule. */
async function callbackHarness(options: { hmacKey: string }): Promise<{ harness: Harness; callbackUrl: string }> {
  const port = await freePort();
  const callbackUrl = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
  const harness = await startHarness({
    env: {
      CALLBACK_URL: callbackUrl,
      CALLBACK_PORT: String(port),
      CALLBACK_HOST: '127.0.0.1',
      WEBHOOK_HMAC_KEY: options.hmacKey,
      QUOTA_DAILY: '50',
      // One member sends five images a few hundred ms apart; the member cap is not what is tested here.
      MAX_ACTIVE_PER_MEMBER: '10',
    },
    // One wall clock for both fakes, so a KIE completion time and a Discord edit time compare.
    discord: { now: Date.now },
    kie: { defaultScenario: { durationMs: 1_500 }, hmacKey: options.hmacKey },
    tuningDefaults: false,
    tuning: { progressIntervalMs: 200 },
  });
  return { harness, callbackUrl };
}

interface CallbackAnswer {
  status: number;
  body: unknown;
}

/** POSTs a completion callback as KIE would, claiming success, with the given signature headers. */
async function postCallback(url: string, taskId: string, headers: Record<string, string> = {}): Promise<CallbackAnswer> {
  const body = {
    code: 200,
    msg: 'Playground task completed successfully.',
    data: { taskId, state: 'success', resultJson: JSON.stringify({ resultUrls: ['http://127.0.0.1:9/forged.png'] }) },
  };
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
}

/**
 * Signature headers as KIE makes them. The default timestamp is 30 s old (fresh, within KIE's 5 minutes), so
 * it never equals the one of KIE's own completion callback, which the receiver would take for a replay.
 */
function signed(taskId: string, key: string, timestampSeconds = Math.floor(Date.now() / 1000) - 30): Record<string, string> {
  return { 'x-webhook-timestamp': String(timestampSeconds), 'x-webhook-signature': signKieCallback(taskId, timestampSeconds, key) };
}

/** Starts a job whose KIE task stays 'generating' until completeTask, and waits for its first poll. */
async function startUnfinishedJob(harness: Harness, prompt: string) {
  const { kie } = harness;
  kie.nextCreate({ scenario: { outcome: 'never' } });
  const interaction = harness.imagine({ prompt });
  await kie.waitFor(() => kie.creates.some((call) => call.taskId !== undefined && JSON.stringify(call.body).includes(prompt)), 10_000);
  const taskId = kie.creates.find((call) => JSON.stringify(call.body).includes(prompt))!.taskId!;
  const pollsOf = () => kie.polls.filter((poll) => poll.taskId === taskId).length;
  await kie.waitFor(() => pollsOf() >= 1, 5_000);
  return { interaction, taskId, pollsOf };
}

/** The task's image was neither downloaded nor shown before `completedAt` (when the test finished the task). */
function expectNothingBefore(harness: Harness, completedAt: number, taskId: string, interaction: ReturnType<Harness['imagine']>): void {
  const downloads = harness.kie.downloads.filter((download) => download.path.includes(taskId));
  expect(downloads.length).toBeGreaterThan(0);
  for (const download of downloads) expect(download.at).toBeGreaterThanOrEqual(completedAt);
  const images = interaction.edits.filter((edit) => edit.attachments.length > 0);
  expect(images).toHaveLength(1);
  expect(images[0]!.at).toBeGreaterThanOrEqual(completedAt);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe('KIE callbacks, signed with WEBHOOK_HMAC_KEY', () => {
  let harness: Harness;
  let callbackUrl: string;
  beforeAll(async () => {
    ({ harness, callbackUrl } = await callbackHarness({ hmacKey: HMAC_KEY }));
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** Completion on KIE → the reply edit that carries the image, on the shared wall clock. */
  function detectionLag(taskId: string, interaction: ReturnType<Harness['imagine']>): number {
    const completedAt = harness.kie.task(taskId)?.completedAt;
    const delivered = interaction.edits.find((edit) => edit.attachments.length > 0);
    expect(completedAt).toBeDefined();
    expect(delivered).toBeDefined();
    return delivered!.at - completedAt!;
  }

  it('passes callBackUrl to createTask and delivers the image as soon as KIE calls back', async () => {
    const { kie } = harness;
    const interaction = harness.imagine({ prompt: 'a lighthouse at dusk' });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(Buffer.compare(message.attachments[0]!.bytes, await kie.imageBytes('small'))).toBe(0);

    const create = kie.creates.find((call) => JSON.stringify(call.body).includes('a lighthouse at dusk'))!;
    expect(create.body).toMatchObject({ callBackUrl: callbackUrl });
    const taskId = create.taskId!;
    const callback = kie.callbacks.find((delivery) => delivery.taskId === taskId);
    expect(callback).toMatchObject({ url: callbackUrl, status: 200 });
    expect(callback?.headers['X-Webhook-Signature']).toBeTruthy();

    // The safety-net schedule waits 12.75 s or more between polls: only the callback explains a fast delivery.
    const lag = detectionLag(taskId, interaction);
    console.log(`callback detection lag (KIE completion → image in the reply): ${lag} ms`);
    expect(lag).toBeLessThan(1_000);
    // One poll right after the create, one after the callback's wake-up.
    expect(kie.polls.filter((poll) => poll.taskId === taskId)).toHaveLength(2);
  });

  it('keeps the detection lag short for jobs that finish one after another', async () => {
    const { kie } = harness;
    const prompts = ['an owl in fog', 'a tram at night', 'a kite over dunes', 'a fox in snow', 'a boat on ice'];
    const interactions: ReturnType<Harness['imagine']>[] = [];
    for (const prompt of prompts) {
      interactions.push(harness.imagine({ prompt }));
      await sleep(350); // staggered, so the downloads of different jobs do not queue behind each other
    }
    await Promise.all(interactions.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000)));
    const lags = prompts.map((prompt, index) => {
      const taskId = kie.creates.find((call) => JSON.stringify(call.body).includes(prompt))!.taskId!;
      return detectionLag(taskId, interactions[index]!);
    });
    console.log(`callback detection lags: ${lags.join(', ')} ms; p50 ${median(lags)} ms`);
    expect(Math.max(...lags)).toBeLessThan(1_000);
  });

  it('answers 200 {code:200,msg:"success"} to a valid callback and polls at once', async () => {
    const { taskId, pollsOf, interaction } = await startUnfinishedJob(harness, 'a glass bridge');
    const before = pollsOf();
    const answer = await postCallback(callbackUrl, taskId, signed(taskId, HMAC_KEY));
    expect(answer).toEqual({ status: 200, body: { code: 200, msg: 'success' } });
    await harness.kie.waitFor(() => pollsOf() === before + 1, 1_000);
    // recordInfo still says 'generating': the callback's claim of success delivers nothing, so the image
    // is fetched and shown only once the task really finishes.
    const completedAt = Date.now();
    harness.kie.completeTask(taskId);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 5_000);
    expectNothingBefore(harness, completedAt, taskId, interaction);
  });

  it('refuses forged, unsigned and stale callbacks with 401 and polls no earlier', async () => {
    const { kie } = harness;
    const { taskId, pollsOf, interaction } = await startUnfinishedJob(harness, 'a copper kettle');
    const before = pollsOf();
    const downloadsBefore = kie.downloads.length;
    const refusals = [
      await postCallback(callbackUrl, taskId, signed(taskId, 'wrong-hmac-key-456')),
      await postCallback(callbackUrl, taskId),
      await postCallback(callbackUrl, taskId, signed(taskId, HMAC_KEY, Math.floor(Date.now() / 1000) - 600)),
      await postCallback(callbackUrl, taskId, signed('0123456789abcdef0123456789abcdef', HMAC_KEY)), // another task's signature
    ];
    for (const answer of refusals) expect(answer).toEqual({ status: 401, body: { code: 401, msg: 'invalid signature' } });
    // A genuine callback after them is answered with exactly one poll: the refused ones caused none.
    expect(await postCallback(callbackUrl, taskId, signed(taskId, HMAC_KEY))).toMatchObject({ status: 200 });
    await kie.waitFor(() => pollsOf() === before + 1, 1_000);
    expect(pollsOf()).toBe(before + 1);
    expect(kie.downloads.length).toBe(downloadsBefore);
    expect(interaction.original()?.attachments ?? []).toHaveLength(0);

    // The job is unharmed: KIE's own signed callback still finishes it.
    kie.completeTask(taskId);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 5_000);
    expect(interaction.edits.filter((edit) => edit.attachments.length > 0)).toHaveLength(1);
  });

  it('a callback seen before (same task and timestamp) wakes nothing', async () => {
    const { taskId, pollsOf, interaction } = await startUnfinishedJob(harness, 'a tin soldier');
    const headers = signed(taskId, HMAC_KEY);
    const before = pollsOf();
    expect(await postCallback(callbackUrl, taskId, headers)).toMatchObject({ status: 200 });
    await harness.kie.waitFor(() => pollsOf() === before + 1, 1_000);
    // Past the one-wake-a-second limit, so only the replay rule can explain why no poll follows.
    await sleep(1_200);
    for (let i = 0; i < 3; i++) expect(await postCallback(callbackUrl, taskId, headers)).toEqual({ status: 200, body: { code: 200, msg: 'success' } });
    await sleep(500);
    expect(pollsOf()).toBe(before + 1);
    harness.kie.completeTask(taskId);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 5_000);
  });

  it('wakes one task at most once a second, however many fresh signatures name it, and holds back the last wake', async () => {
    const { taskId, pollsOf, interaction } = await startUnfinishedJob(harness, 'a brass compass');
    const before = pollsOf();
    const nowSeconds = Math.floor(Date.now() / 1000) - 30;
    const sentAt = Date.now();
    const answers = await Promise.all([0, 1, 2, 3, 4].map((back) => postCallback(callbackUrl, taskId, signed(taskId, HMAC_KEY, nowSeconds - back))));
    for (const answer of answers) expect(answer.status).toBe(200);
    await harness.kie.waitFor(() => pollsOf() === before + 1, 1_000);
    // The other four are one wake, held until a second after the first.
    await harness.kie.waitFor(() => pollsOf() === before + 2, 2_000);
    const second = harness.kie.polls.filter((poll) => poll.taskId === taskId)[before + 1]!;
    expect(second.at - sentAt).toBeGreaterThanOrEqual(950);
    await sleep(1_200);
    expect(pollsOf()).toBe(before + 2);
    harness.kie.completeTask(taskId);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 5_000);
  });

  it('a callback for a task nobody watches causes no poll', async () => {
    const { taskId, pollsOf, interaction } = await startUnfinishedJob(harness, 'a moth at a lamp');
    const before = pollsOf();
    const stray = 'ffffffffffffffffffffffffffffffff';
    expect((await postCallback(callbackUrl, stray, signed(stray, HMAC_KEY))).status).toBe(200);
    // The watched task's own callback comes after it and is answered with one poll; the stray one with none.
    expect(await postCallback(callbackUrl, taskId, signed(taskId, HMAC_KEY))).toMatchObject({ status: 200 });
    await harness.kie.waitFor(() => pollsOf() === before + 1, 1_000);
    expect(harness.kie.polls.filter((poll) => poll.taskId === stray)).toEqual([]);
    harness.kie.completeTask(taskId);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 5_000);
  });

  it('ignores other paths and methods', async () => {
    const base = new URL(callbackUrl);
    expect((await fetch(new URL('/elsewhere', base), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(callbackUrl)).status).toBe(405);
    expect((await fetch(callbackUrl, { method: 'POST', body: 'not json' })).status).toBe(400);
  });
});
