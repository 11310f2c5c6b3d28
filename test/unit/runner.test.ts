import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordReplies, OutgoingMessage } from '../../src/discord/replies.js';
import { discardDownload, fitToUploadLimit, type DownloadedImage } from '../../src/jobs/image.js';
import type { JobIn, JobRecord } from '../../src/jobs/job.js';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { ImageRelay } from '../../src/jobs/relay.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { SetAssembly } from '../../src/jobs/set-assembly.js';
import { createSettlement } from '../../src/jobs/settlement.js';
import { KieError, type KieClient, type TaskRecord, type TaskInput } from '../../src/kie/index.js';
import { createLogger } from '../../src/log.js';
import { messages } from '../../src/messages.js';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { QuotaService } from '../../src/quota/quota-service.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { ledgerJob } from '../helpers/ledger-jobs.js';
import { captureLogs } from '../helpers/log-capture.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { sqliteOf } from '../helpers/storage.js';
import { GUILD_ID, MEMBER as PAINTER } from '../helpers/ids.js';

const GUILD = GUILD_ID;
const MEMBER = PAINTER.id;
const RESULT_URL = 'https://tempfile.example/result.png';
const DAILY = 5;

interface Sent {
  target: 'original' | 'channel' | 'dm';
  message: OutgoingMessage;
}

/** The Discord side: records what was sent; `failNext` makes the next sends fail as Discord would. */
function recordingReplies(): DiscordReplies & { sent: Sent[]; failNext: unknown[] } {
  const sent: Sent[] = [];
  const failNext: unknown[] = [];
  const send = async (target: Sent['target'], message: OutgoingMessage) => {
    const failure = failNext.shift();
    if (failure !== undefined) throw failure;
    sent.push({ target, message });
    return { id: `${target}-message-${sent.length}`, channelId: `${target}-channel`, attachmentUrl: `https://cdn.example/${target}/${sent.length}.png` };
  };
  return {
    sent,
    failNext,
    editOriginal: (_app, _token, message) => send('original', message),
    sendToChannel: (_channel, message) => send('channel', message),
    sendDirect: (_user, message) => send('dm', message),
  };
}

/** The KIE side: scripted answers; every call is recorded. */
function scriptedKie(script: { creates?: Array<string | Error>; polls?: Array<TaskRecord | Error> }) {
  const creates: TaskInput[] = [];
  const polls: string[] = [];
  const kie: Pick<KieClient, 'createTask' | 'getTask'> = {
    async createTask(input, options) {
      creates.push(input);
      await options?.beforeSend?.();
      const next = script.creates?.shift() ?? 'task-1';
      if (next instanceof Error) throw next;
      return next;
    },
    async getTask(taskId) {
      polls.push(taskId);
      const next = script.polls?.shift() ?? record(taskId, 'success');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { kie, creates, polls };
}

function record(taskId: string, state: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId,
    state,
    resultUrls: state === 'success' ? [RESULT_URL] : [],
    failCode: state === 'fail' ? '500' : null,
    failMsg: state === 'fail' ? 'the model crashed' : null,
    costTimeSeconds: 3,
    createTime: 1_000,
    completeTime: 4_000,
    creditsConsumed: 6,
    ...overrides,
  };
}

describe('JobRunner, phase by phase', () => {
  let dir: TempDir;
  let storage: Storage;
  let ledger: SqliteJobLedger;
  let quota: QuotaService;
  let png: Buffer;
  const downloads: string[] = [];
  let sleeps: number[] = [];
  let now = 1_000;

  beforeEach(async () => {
    dir = await createTempDir('runner');
    storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    ledger = await SqliteJobLedger.create(sqliteOf(storage));
    quota = new QuotaService({ counter: storage.counters, settings: new GuildSettingsStore(storage.kv), defaultDaily: DAILY, clock: { now: () => now } });
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer();
    downloads.length = 0;
    sleeps = [];
    now = Date.UTC(2026, 11, 6, 12);
  });

  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  function runnerFor(kie: Pick<KieClient, 'createTask' | 'getTask'>, replies: DiscordReplies, logs = captureLogs()) {
    const logger = createLogger({ level: 'info', destination: logs.destination });
    const clock = { now: () => now };
    const relay = new ImageRelay({
      // A real file per download, as the production download leaves one; the relay must delete it.
      download: async (url) => {
        downloads.push(url);
        const path = dir.file(`download-${downloads.length}.png`);
        await writeFile(path, png);
        return { path, size: png.length, format: 'png' } satisfies DownloadedImage;
      },
      fit: fitToUploadLimit,
      discard: discardDownload,
      clock,
    });
    const runner = new JobRunner({
      kie,
      ledger,
      settle: createSettlement({ ledger, release: (scope) => quota.refund(scope), logger }),
      relay,
      replies,
      sets: new SetAssembly(),
      polling: { schedule: () => 0 },
      logger,
      clock,
      jobTimeoutMs: 10 * 60_000,
      options: {
        firstProgressEditMs: 60_000,
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
      },
    });
    return { runner, logs };
  }

  /** A job as the intake opens it: its unit reserved and its ledger entry written. */
  async function openJob<P extends JobRecord['phase']>(changes: Partial<JobRecord> & { phase: P }): Promise<JobIn<P>> {
    const reservation = await quota.reserve(GUILD, MEMBER);
    expect(reservation.granted).toBe(true);
    const job = { ...ledgerJob('job-1', now), reservation: reservation.scope, ...changes } as JobIn<P>;
    await ledger.open(job);
    return job;
  }

  const run = (runner: JobRunner, job: JobRecord, resumed = false, signal = new AbortController().signal) => runner.run(job, { resumed, signal });
  const used = async () => (await quota.status(GUILD, MEMBER)).used;
  const openJobs = async () => (await ledger.openJobs()).jobs;

  it('queued → watching → delivering → settled: one task, the image in the reply, the unit kept', async () => {
    const kie = scriptedKie({ creates: ['task-7'], polls: [record('task-7', 'generating'), record('task-7', 'success')] });
    const replies = recordingReplies();
    const { runner } = runnerFor(kie.kie, replies);
    const job = await openJob({ phase: 'queued' });

    await run(runner, job);

    expect(kie.creates).toEqual([{ prompt: job.request.prompt, aspect_ratio: '16:9', quality: 'high' }]);
    expect(kie.polls).toEqual(['task-7', 'task-7']);
    expect(downloads).toEqual([RESULT_URL]);
    expect(replies.sent).toHaveLength(1);
    expect(replies.sent[0]?.target).toBe('original');
    expect(replies.sent[0]?.message.files?.[0]?.data.equals(png)).toBe(true);
    expect(await openJobs()).toEqual([]);
    expect(await used()).toBe(1);
  });

  it('writes each phase to the ledger before the next begins', async () => {
    const seen: Array<{ phase: string; taskId?: string; resultUrl?: string }> = [];
    const kie = scriptedKie({ creates: ['task-8'] });
    const spying = {
      createTask: async (...args: Parameters<KieClient['createTask']>) => {
        seen.push(...(await openJobs()).map((j) => ({ phase: j.phase })));
        return kie.kie.createTask(...args);
      },
      getTask: async (taskId: string) => {
        seen.push(...(await openJobs()).map((j) => ({ phase: j.phase, ...('taskId' in j && j.taskId !== undefined ? { taskId: j.taskId } : {}) })));
        return kie.kie.getTask(taskId);
      },
    };
    const { runner } = runnerFor(spying, recordingReplies());
    await run(runner, await openJob({ phase: 'queued' }));
    expect(seen).toEqual([{ phase: 'queued' }, { phase: 'watching', taskId: 'task-8' }]);
  });

  it('a job resumed in `submitting` is never submitted again: the member is told and refunded', async () => {
    const kie = scriptedKie({});
    const replies = recordingReplies();
    const { runner } = runnerFor(kie.kie, replies);
    const job = await openJob({ phase: 'submitting' });

    await run(runner, job, true);

    expect(kie.creates).toEqual([]);
    expect(replies.sent.map((s) => s.message.content)).toEqual([`⚠️ ${messages.interruptedBeforeSubmit}`]);
    expect(await openJobs()).toEqual([]);
    expect(await used()).toBe(0);
  });

  it('a job resumed in `watching` follows its task without creating another', async () => {
    const kie = scriptedKie({});
    const replies = recordingReplies();
    const { runner } = runnerFor(kie.kie, replies);
    const job = await openJob({ phase: 'watching', taskId: 'task-3', submittedAt: now });

    await run(runner, job, true);

    expect(kie.creates).toEqual([]);
    expect(kie.polls).toEqual(['task-3']);
    expect(replies.sent).toHaveLength(1);
    expect(await used()).toBe(1);
  });

  it('a job resumed in `delivering` downloads its image without polling', async () => {
    const kie = scriptedKie({});
    const replies = recordingReplies();
    const { runner } = runnerFor(kie.kie, replies);
    const job = await openJob({ phase: 'delivering', taskId: 'task-4', submittedAt: now, resultUrl: 'https://tempfile.example/other.png' });

    await run(runner, job, true);

    expect(kie.polls).toEqual([]);
    expect(downloads).toEqual(['https://tempfile.example/other.png']);
    expect(replies.sent).toHaveLength(1);
    expect(await openJobs()).toEqual([]);
  });

  it('a failed task refunds the unit, says why and closes the entry', async () => {
    const failed = new KieError({ kind: 'task_failed', message: 'task failed', kieMessage: 'the model crashed', transient: false });
    const kie = scriptedKie({ polls: [failed] });
    const replies = recordingReplies();
    const { runner, logs } = runnerFor(kie.kie, replies);

    await run(runner, await openJob({ phase: 'queued' }));

    expect(replies.sent).toHaveLength(1);
    expect(replies.sent[0]?.message.content).toMatch(/^⚠️ /);
    expect(replies.sent[0]?.message.files).toBeUndefined();
    expect(await used()).toBe(0);
    expect(await openJobs()).toEqual([]);
    expect(logs.lines.filter((l) => l.msg === 'quota refunded')).toHaveLength(1);
  });

  it('while KIE refuses new tasks, records the job as queued again and lets the client wait until the job deadline', async () => {
    const phases: string[] = [];
    const refused = new KieError({ kind: 'rate_limited', message: 'busy', code: 429, transient: true });
    let deadline: number | undefined;
    const refusing: Pick<KieClient, 'createTask' | 'getTask'> = {
      // The client's side of a refusal: the attempt left (beforeSend), KIE refused, the client will wait.
      async createTask(_input, options) {
        deadline = options?.deadline;
        await options?.beforeSend?.();
        phases.push(...(await openJobs()).map((j) => j.phase));
        await options?.onRefused?.({ attempt: 1, waitMs: 500, error: refused });
        phases.push(...(await openJobs()).map((j) => j.phase));
        await options?.beforeSend?.();
        phases.push(...(await openJobs()).map((j) => j.phase));
        return 'task-9';
      },
      getTask: async (taskId) => record(taskId, 'success'),
    };
    const replies = recordingReplies();
    const { runner } = runnerFor(refusing, replies);
    const job = await openJob({ phase: 'queued' });

    await run(runner, job);

    expect(phases).toEqual(['submitting', 'queued', 'submitting']);
    expect(deadline).toBe(job.createdAt + 10 * 60_000);
    expect(replies.sent).toHaveLength(1);
    expect(await used()).toBe(1);
  });

  it('a shutdown during the watch leaves the job in the ledger, unrefunded, for the next start', async () => {
    const shutdown = new AbortController();
    const kie = scriptedKie({});
    const watching = {
      createTask: kie.kie.createTask,
      getTask: async (taskId: string) => {
        shutdown.abort(new Error('shutting down'));
        return record(taskId, 'generating');
      },
    };
    const replies = recordingReplies();
    const { runner, logs } = runnerFor(watching, replies);

    await run(runner, await openJob({ phase: 'queued' }), false, shutdown.signal);

    expect(await openJobs()).toMatchObject([{ phase: 'watching', taskId: 'task-1' }]);
    expect(await used()).toBe(1);
    expect(replies.sent).toEqual([]);
    expect(logs.lines.some((l) => l.msg === 'job left in the ledger for the next start' && l['phase'] === 'watching')).toBe(true);
  });

  it('retries a delivery while Discord fails, counting the attempts in the ledger', async () => {
    const replies = recordingReplies();
    const outage = new TypeError('fetch failed');
    replies.failNext.push(outage, outage);
    const attempts: Array<number | undefined> = [];
    const { runner } = runnerFor(scriptedKie({}).kie, replies);
    const update = ledger.update.bind(ledger);
    ledger.update = async (job) => {
      attempts.push(job.deliveryAttempts);
      await update(job);
    };

    await run(runner, await openJob({ phase: 'delivering', taskId: 'task-5', submittedAt: now, resultUrl: RESULT_URL }), true);

    expect(sleeps).toEqual([2_000, 5_000]);
    // The last write marks the job delivered.
    expect(attempts).toEqual([1, 2, undefined]);
    expect(replies.sent).toHaveLength(1);
    expect(await used()).toBe(1);
  });

  it('a ledger close that fails after a delivery is retried: the unit is kept and no failure is told', async () => {
    const replies = recordingReplies();
    const { runner } = runnerFor(scriptedKie({}).kie, replies);
    const close = ledger.close.bind(ledger);
    let failures = 2;
    ledger.close = async (jobId) => {
      if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
      await close(jobId);
    };

    await run(runner, await openJob({ phase: 'delivering', taskId: 'task-6', submittedAt: now, resultUrl: RESULT_URL }), true);

    expect(sleeps).toEqual([250, 1_000]);
    expect(replies.sent).toHaveLength(1);
    expect(replies.sent[0]?.message.files).toHaveLength(1);
    expect(await used()).toBe(1);
    expect(await openJobs()).toEqual([]);
  });

  it('a close that keeps failing leaves the job marked delivered; after a restart it is settled without a second delivery', async () => {
    const replies = recordingReplies();
    const { runner, logs } = runnerFor(scriptedKie({}).kie, replies);
    const close = ledger.close.bind(ledger);
    ledger.close = async () => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    };

    await run(runner, await openJob({ phase: 'delivering', taskId: 'task-9', submittedAt: now, resultUrl: RESULT_URL }), true);

    expect(replies.sent).toHaveLength(1);
    expect(await used()).toBe(1);
    const [left] = await openJobs();
    expect(left).toMatchObject({ phase: 'delivering', delivered: { target: 'original', message: { id: 'original-message-1' } } });
    expect(logs.lines.some((line) => line.msg.startsWith('could not close the ledger entry of a delivered job; it stays'))).toBe(true);

    // The next start: the store works again, and a fresh runner resumes what the ledger holds.
    ledger.close = close;
    const afterRestart = recordingReplies();
    const { runner: restarted } = runnerFor(scriptedKie({}).kie, afterRestart);
    await run(restarted, left!, true);

    expect(afterRestart.sent).toEqual([]);
    expect(downloads).toEqual([RESULT_URL]);
    expect(await used()).toBe(1);
    expect(await openJobs()).toEqual([]);
  });
});
