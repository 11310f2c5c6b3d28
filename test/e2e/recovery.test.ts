import { describe, expect} from 'vitest';
import { messages } from '../../src/messages.js';
import { FakeImages } from '../fakes/kie/index.js';
import { captureLogs } from '../helpers/log-capture.js';
import { utcDay } from '../../src/quota/day.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, startHarness, type Harness } from '../helpers/harness.js';
import { createTempDir } from '../helpers/tmp.js';
import { firstReply } from '../helpers/replies.js';
import { acceptedCreates, expectDeliveredOnce, expectSettled, hasImage, imageDeliveries, taskKnown, waitingForSlot } from '../helpers/restartable-bot.js';
import { crowd as members } from '../helpers/ids.js';
import { sqliteOf } from '../helpers/storage.js';
import { it, type Fixtures } from '../helpers/fixtures.js';
import { jobsIdle } from '../helpers/jobs.js';
import { readCard } from '../helpers/result-card.js';

describe('a bot killed (SIGKILL) at any point of a job delivers it exactly once after a restart', () => {
  it('killed while a job waits for the create budget: it is submitted once after the restart, when KIE\'s window allows', async ({ restartableBot }) => {
    // Long enough that the 20 tasks are still running when the 21st job's progress edit shows it waiting.
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 6_000 } } });
    const first = await rig.start();
    const crowd = members(21);
    const interactions = crowd.map((user, i) => rig.imagine({ prompt: `lighthouse number ${i}`, user }));

    // KIE takes 20 creates per 10 s: 20 tasks exist, the 21st job is in the ledger ('queued') waiting for a slot.
    await expect.poll(() => acceptedCreates(rig.kie).length, { timeout: 15_000 }).toBe(20);
    await expect.poll(() => interactions.filter((i) => i.edits.some(waitingForSlot)).length, { timeout: 5_000 }).toBe(1);
    await expect.poll(() => first.logs.filter((l) => l.msg === 'task created').length).toBe(20);
    await first.kill('SIGKILL');
    expect(acceptedCreates(rig.kie)).toHaveLength(20);
    const queued = interactions.find((i) => i.edits.some(waitingForSlot))!;
    expect(queued.edits.some(taskKnown)).toBe(false);
    // The 20 tasks keep their scenario; the one still to be created is done at its first poll.
    rig.kie.setDefaultScenario({ durationMs: 50 });

    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resumed jobs from the ledger' && l['count'] === 21, 20_000);
    for (const interaction of interactions) await expectDeliveredOnce(rig, interaction);
    // KIE's window still counted the first process's creates, and so did the fresh process: the ledger shows
    // when the 20 tasks were started, so the 21st waited for the window instead of being refused (429).
    expect(rig.kie.rejected429.create).toBe(0);
    expect(rig.kie.creates[20]!.at - rig.kie.creates[0]!.at).toBeGreaterThanOrEqual(10_000);

    expect(acceptedCreates(rig.kie)).toHaveLength(21);
    await expect.poll(() => second.logs.filter((l) => l.msg === 'task created').length).toBe(1);
    await expect.poll(() => rig.logsWith('image delivered').length).toBe(21);
    expect(rig.discord.channelMessages(CHANNEL_ID)).toEqual([]);
    await expectSettled(rig, Object.fromEntries(crowd.map((user) => [user.id, 1])));
  }, 90_000);

  it('killed while createTask is in flight: never resubmitted, the member is told and the unit refunded', async ({ restartableBot }) => {
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 500 } } });
    const first = await rig.start();
    rig.kie.nextCreate({ delayMs: 3_000 });
    const interaction = rig.imagine({ prompt: 'a fox in the snow' });
    await rig.kie.waitFor(() => rig.kie.creates.length === 1, 10_000);
    await first.kill('SIGKILL');

    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['phase'] === 'submitting');
    const notice = await interaction.waitForOriginal((m) => m.content.includes('restarted while sending your prompt'), 10_000);
    expect(notice.content).toBe(`⚠️ ${messages.interruptedBeforeSubmit}`);
    expect(notice.attachments).toHaveLength(0);

    const quota = rig.command('quota');
    expect((await firstReply(quota)).content).toContain('**Today:** 0/10 images used');
    // The delayed answer has come and gone: KIE made one task, and nobody asked for another.
    await rig.kie.waitFor(() => rig.kie.creates[0]!.answer !== undefined, 5_000);
    expect(rig.kie.creates).toHaveLength(1);
    expect(rig.kie.polls).toHaveLength(0);
    expect(imageDeliveries(rig, interaction)).toHaveLength(0);
    await expectSettled(rig, { [MEMBER.id]: 0 });
  }, 60_000);

  it('killed after the task was created: the same task is followed after the restart and delivered once', async ({ restartableBot }) => {
    // Still running when the bot dies, done about when the next process polls it.
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 2_500 } } });
    const first = await rig.start();
    const interaction = rig.imagine({ prompt: 'a castle on a cliff' });
    // The ledger holds the taskId once this is logged; progress edits come 1-2 s later, too close to the end.
    await first.waitForLog((l) => l.msg === 'task created', 10_000);
    const [taskId] = acceptedCreates(rig.kie);
    await first.kill('SIGKILL');
    expect(rig.kie.task(taskId!)!.completedAt).toBeUndefined();

    const restartedAt = Date.now();
    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['taskId'] === taskId && l['phase'] === 'watching');
    await expectDeliveredOnce(rig, interaction);
    expect(acceptedCreates(rig.kie)).toEqual([taskId]);
    expect(rig.kie.polls.filter((p) => p.taskId === taskId && p.at >= restartedAt).length).toBeGreaterThan(0);
    expect(rig.kie.polls.every((p) => p.taskId === taskId)).toBe(true);
    await expectSettled(rig, { [MEMBER.id]: 1 });
  }, 60_000);

  it('killed while the task is generating: polling resumes and the image is delivered once', async ({ restartableBot }) => {
    // The bot sees 'generating' at its second poll, 2-3 s after the create; the task is done 2 s later at the earliest.
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 5_000 } } });
    const first = await rig.start();
    const interaction = rig.imagine({ prompt: 'a whale in the clouds' });
    await first.waitForLog((l) => l.msg === 'task state changed' && l['state'] === 'generating', 10_000);
    const [taskId] = acceptedCreates(rig.kie);
    await first.kill('SIGKILL');
    expect(rig.kie.task(taskId!)!.state).toBe('generating');

    const restartedAt = Date.now();
    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['taskId'] === taskId && l['phase'] === 'watching');
    await expectDeliveredOnce(rig, interaction);
    expect(acceptedCreates(rig.kie)).toEqual([taskId]);
    expect(rig.kie.polls.filter((p) => p.taskId === taskId && p.at >= restartedAt).length).toBeGreaterThan(0);
    await expectSettled(rig, { [MEMBER.id]: 1 });
  }, 60_000);

  it('killed while downloading the image: the download starts over without polling again, delivered once', async ({ restartableBot }) => {
    const images = new FakeImages();
    const size = (await images.get('small')).length;
    // The image trickles in over about 3 s.
    const rig = await restartableBot({ kie: { images, defaultScenario: { durationMs: 50, image: 'slow' }, slowChunk: { bytes: Math.ceil(size / 30), intervalMs: 100 } } });
    const first = await rig.start();
    const interaction = rig.imagine({ prompt: 'a slow boat on a river' });
    await rig.kie.waitFor(() => rig.kie.downloads.length === 1, 15_000);
    const [taskId] = acceptedCreates(rig.kie);
    await first.kill('SIGKILL');
    expect(first.logs.some((l) => l.msg === 'image delivered')).toBe(false);

    const restartedAt = Date.now();
    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['taskId'] === taskId && l['phase'] === 'delivering');
    await expectDeliveredOnce(rig, interaction);
    expect(rig.kie.downloads).toHaveLength(2);
    expect(acceptedCreates(rig.kie)).toEqual([taskId]);
    expect(rig.kie.polls.filter((p) => p.at >= restartedAt)).toEqual([]);
    await expectSettled(rig, { [MEMBER.id]: 1 });
  }, 60_000);
});

describe('delivery outlives the interaction token and Discord faults (in process)', () => {
  const ledgerRows = async (harness: Harness) => sqliteOf(harness.storage).query('SELECT record FROM imagine_jobs');
  const mentionsOnlyMember = { everyone: false, users: [MEMBER.id], roles: [] };

  it('a job that outlives its token is posted in the channel, mentioning only the member', async ({ bot }) => {
    const h = await bot({ tuning: { tokenLifetimeMs: 2_000 }, discord: { tokenLifetimeMs: 2_000 }, kie: { defaultScenario: { durationMs: 3_000 } } });
    const interaction = h.imagine({ prompt: 'a late train, @everyone' });
    await expect.poll(() => h.discord.channelMessages(CHANNEL_ID).length, { timeout: 15_000 }).toBe(1);
    const [message] = h.discord.channelMessages(CHANNEL_ID);
    expect(readCard(message!).heading).toBe(`${messages.lateDelivery(MEMBER.id)}\n### ${messages.resultTitle}`);
    expect(message!.attachments).toHaveLength(1);
    expect(message!.mentions).toEqual(mentionsOnlyMember);
    expect(message!.allowedMentions).toEqual({ users: [MEMBER.id] });
    expect(imageDeliveries(h, interaction, CHANNEL_ID)).toHaveLength(1);
    expect(interaction.original()!.attachments).toHaveLength(0);
    await jobsIdle(h.app.jobs);
    expect(await ledgerRows(h)).toEqual([]);
  });

  it('when the channel refuses (403 Missing Permissions) the late image goes to the member by DM', async ({ bot }) => {
    const h = await bot({ tuning: { tokenLifetimeMs: 2_000 }, discord: { tokenLifetimeMs: 2_000 }, kie: { defaultScenario: { durationMs: 3_000 } } });
    h.discord.injectFault({
      method: 'POST',
      path: new RegExp(`^/channels/${CHANNEL_ID}/messages$`),
      status: 403,
      body: { message: 'Missing Permissions', code: 50013 },
    });
    const interaction = h.imagine({ prompt: 'a late tram' });
    await expect.poll(() => h.discord.dmChannelOf(MEMBER.id), { timeout: 15_000 }).toBeDefined();
    const dm = h.discord.dmChannelOf(MEMBER.id)!;
    await expect.poll(() => h.discord.channelMessages(dm).length, { timeout: 5_000 }).toBe(1);
    const [message] = h.discord.channelMessages(dm);
    expect(message!.attachments).toHaveLength(1);
    expect(message!.mentions).toEqual(mentionsOnlyMember);
    expect(h.discord.channelMessages(CHANNEL_ID)).toEqual([]);
    expect(imageDeliveries(h, interaction, CHANNEL_ID)).toHaveLength(1);
    await jobsIdle(h.app.jobs);
    expect(await ledgerRows(h)).toEqual([]);
  });

  const ORIGINAL = /^\/webhooks\/[^/]+\/[^/]+\/messages\/@original$/;
  const originalPatches = (harness: Harness) =>
    harness.discord.requests.filter((r) => r.method === 'PATCH' && ORIGINAL.test(r.path)).map((r) => r.status);

  /** A task that finishes when told, behind exactly one progress edit (the next would come a minute later). */
  async function jobReadyToDeliver(bot: Fixtures['bot'], options: { deliveryRetryDelaysMs?: number[]; logs?: ReturnType<typeof captureLogs> } = {}) {
    const h = await bot({
      tuning: { progressIntervalMs: 60_000, ...(options.deliveryRetryDelaysMs ? { deliveryRetryDelaysMs: options.deliveryRetryDelaysMs } : {}) },
      kie: { defaultScenario: { outcome: 'never' } },
      ...(options.logs ? { env: { LOG_LEVEL: 'info' }, logDestination: options.logs.destination } : {}),
    });
    const interaction = h.imagine({ prompt: 'a storm over the sea' });
    await interaction.waitForOriginal(taskKnown, 10_000);
    const [taskId] = acceptedCreates(h.kie);
    return { harness: h, interaction, taskId: taskId! };
  }

  it('a few 5xx and a 429 on the reply edit: still delivered once', async ({ bot }) => {
    const { harness, interaction, taskId } = await jobReadyToDeliver(bot);
    for (const status of [500, 502]) harness.discord.injectFault({ method: 'PATCH', path: ORIGINAL, status });
    harness.discord.injectFault({ method: 'PATCH', path: ORIGINAL, status: 429, headers: { 'retry-after': '1' } });
    harness.kie.completeTask(taskId);

    await interaction.waitForOriginal(hasImage, 15_000);
    // The fake records a request once it has answered it.
    await expect.poll(() => originalPatches(harness)).toEqual([200, 500, 502, 429, 200]);
    expect(imageDeliveries(harness, interaction, CHANNEL_ID)).toHaveLength(1);
    await jobsIdle(harness.app.jobs);
    expect(await ledgerRows(harness)).toEqual([]);
  });

  it('a longer outage (6 × 503) keeps the job in the ledger and delivers it once Discord is back', async ({ bot }) => {
    const logs = captureLogs();
    const { harness, interaction, taskId } = await jobReadyToDeliver(bot, { deliveryRetryDelaysMs: [2_000], logs });
    harness.discord.injectFault({ method: 'PATCH', path: ORIGINAL, status: 503, times: 6 });
    harness.kie.completeTask(taskId);

    // discord.js tries 4 times; then the runner notes the attempt in the ledger and waits 2 s.
    const parked = async () => ((await ledgerRows(harness)) as Array<{ record: string }>).map((row) => JSON.parse(row.record) as unknown);
    await expect.poll(parked, { timeout: 10_000 }).toMatchObject([{ taskId, phase: 'delivering', deliveryAttempts: 1 }]);
    expect(logs.lines.filter((l) => l.msg === 'delivery postponed')).toHaveLength(1);
    expect(interaction.original()!.attachments).toHaveLength(0);

    await interaction.waitForOriginal(hasImage, 15_000);
    expect(originalPatches(harness).filter((status) => status === 503)).toHaveLength(6);
    expect(imageDeliveries(harness, interaction, CHANNEL_ID)).toHaveLength(1);
    await jobsIdle(harness.app.jobs);
    expect(await ledgerRows(harness)).toEqual([]);
  });

  it('a ledger close that fails after the image reached the member is retried: the unit is kept, nothing else is sent', async ({ bot }) => {
    const logs = captureLogs();
    const { harness, interaction, taskId } = await jobReadyToDeliver(bot, { logs });
    const { ledger } = harness.storage;
    const close = ledger.close.bind(ledger);
    let failures = 2;
    ledger.close = async (jobId) => {
      if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
      await close(jobId);
    };
    harness.kie.completeTask(taskId);

    await interaction.waitForOriginal(hasImage, 15_000);
    await jobsIdle(harness.app.jobs);
    expect(failures).toBeLessThan(0);
    expect(await ledgerRows(harness)).toEqual([]);
    expect(imageDeliveries(harness, interaction, CHANNEL_ID)).toHaveLength(1);
    // No refund, and the image stays the last word: no failure notice replaced or followed it.
    expect(logs.lines.some((line) => line.msg === 'quota refunded')).toBe(false);
    expect(interaction.original()!.attachments).toHaveLength(1);
    expect(await harness.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(1);
    expect(harness.discord.channelMessages(CHANNEL_ID)).toEqual([]);
    expect(logs.lines.filter((line) => line.msg === 'could not close the ledger entry of a delivered job')).toHaveLength(2);
  });
});

describe('a delivered job whose ledger entry could not be closed, across a restart', () => {
  it('is closed at the next start without a second delivery, a second download or a refund', async () => {
    const dir = await createTempDir('imagine-settle');
    const storageUrl = `sqlite://${dir.file('bot.sqlite')}`;
    const logs = captureLogs();
    try {
      // First process: the image reaches the member, then the store refuses every close until it gives up.
      const first = await startHarness({ storageUrl, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination, tuning: { settleRetryDelaysMs: [50, 50] } });
      first.storage.ledger.close = async () => {
        throw new Error('SQLITE_IOERR: disk I/O error');
      };
      const interaction = first.imagine({ prompt: 'a kettle on a stove' });
      await interaction.waitForOriginal(hasImage, 15_000);
      await jobsIdle(first.app.jobs);
      const open = (await first.storage.ledger.openJobs()).jobs;
      expect(open).toMatchObject([{ phase: 'delivering', delivered: { target: 'original' } }]);
      expect(logs.lines.some((line) => line.msg === 'quota refunded')).toBe(false);
      const used = (h: Harness) => h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) });
      expect(await used(first)).toBe(1);
      await first.close();

      // The next start, on the same file: the entry is only closed.
      const second = await startHarness({ storageUrl, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
      try {
        await expect.poll(async () => (await second.storage.ledger.openJobs()).jobs, { timeout: 10_000 }).toEqual([]);
        expect(logs.lines.some((line) => line.msg === 'image already delivered before the restart; settling')).toBe(true);
        expect(second.kie.downloads).toEqual([]);
        expect(second.kie.creates).toEqual([]);
        expect(second.discord.requests.filter((request) => request.path.includes('/webhooks/') || request.path.endsWith('/messages'))).toEqual([]);
        expect(await used(second)).toBe(1);
      } finally {
        await second.close();
      }
    } finally {
      await dir.remove();
    }
  }, 60_000);
});
