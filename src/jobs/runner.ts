import type { Clock } from '../clock.js';
import type { DiscordReplies } from '../discord/replies.js';
import { KieError, watchTask, type KieClient, type TaskWaker, type WatchTaskOptions } from '../kie/index.js';
import type { Logger } from '../log.js';
import { messagesFor } from '../messages.js';
import { sleep as defaultSleep, type Sleep } from '../util/sleep.js';
import { deliverWithRetry, INTERACTION_TOKEN_LIFETIME_MS, Interrupted, tokenUsable, type Delivered, type MessageBuilder } from './delivery.js';
import type { FailureReason } from '../errors.js';
import { failureNotice, failureReason } from './failure.js';
import { JobCancelled, type CancelHandle, type JobCancellations } from './cancellation.js';
import type { JobIn, JobRecord } from './job.js';
import type { JobLedger } from './ledger.js';
import { ProgressReporter, type ProgressState } from './progress.js';
import type { ImageRelay } from './relay.js';
import { cancelButton } from './result-message.js';
import type { Settle } from './settlement.js';

/** How often polls come: a planner shared by every watched task, or a fixed schedule by task age (callback mode). */
export type Polling = { planner: NonNullable<WatchTaskOptions['planner']> } | { schedule: (elapsedMs: number) => number };

export interface JobRunnerOptions {
  /** Shortest gap between two progress edits of one reply. */
  progressIntervalMs: number;
  /** The first progress edit waits between this and twice this after the defer. */
  firstProgressEditMs: number;
  /** How long an interaction token may edit its reply (Discord: 15 minutes). */
  tokenLifetimeMs: number;
  /** Waits between delivery attempts while Discord is failing; the last one repeats. */
  deliveryRetryDelaysMs: readonly number[];
  /** Waits between attempts to write down a delivered job and close it, while the store is failing. */
  settleRetryDelaysMs: readonly number[];
  sleep: Sleep;
  /** Jitter source. */
  random: () => number;
}

export const DefaultJobRunnerOptions = {
  progressIntervalMs: 5_000,
  firstProgressEditMs: 1_000,
  tokenLifetimeMs: INTERACTION_TOKEN_LIFETIME_MS,
  deliveryRetryDelaysMs: [2_000, 5_000, 15_000, 30_000, 60_000],
  settleRetryDelaysMs: [250, 1_000, 3_000, 10_000, 30_000, 60_000],
  sleep: defaultSleep,
  random: Math.random,
} as const satisfies Required<JobRunnerOptions>;

/**
 * Told of a job's image: just before the upload (so a button pressed the moment the image appears finds
 * its record), with the delivered message before the job is settled, and when a job that got that far
 * failed after all. Its failures are logged, never fatal: the member has the image, only its buttons and
 * /history will miss it.
 */
export interface DeliveryRecorder {
  uploading(job: JobIn<'delivering'>): Promise<void>;
  delivered(job: JobIn<'delivering'>, delivered: Delivered): Promise<void>;
  failed(job: JobIn<'delivering'>): Promise<void>;
}

export interface JobRunnerDeps {
  kie: Pick<KieClient, 'createTask' | 'getTask'>;
  ledger: Pick<JobLedger, 'update'>;
  settle: Settle;
  relay: ImageRelay;
  replies: DiscordReplies;
  polling: Polling;
  /** Keeps the image history that a delivered image's buttons read. */
  deliveries?: DeliveryRecorder;
  /** Lets a KIE callback cut a watch's pause short. */
  waker?: TaskWaker;
  /** Told of each job's status as it changes (what /quota lists). */
  onState?: (jobId: string, state: ProgressState) => void;
  /** Cancel presses: a job may be called off until its createTask leaves. */
  cancels?: Pick<JobCancellations, 'register'>;
  logger: Logger;
  clock: Clock;
  jobTimeoutMs: number;
  callBackUrl?: string;
  options?: Partial<JobRunnerOptions>;
}

interface RunContext {
  progress: ProgressReporter;
  signal: AbortSignal;
  log: Logger;
  /** Until createTask leaves, the member may cancel. */
  cancel?: CancelHandle | undefined;
}

/**
 * One job's life, phase by phase: create the KIE task (queued → watching), follow it (watching → delivering),
 * deliver the image and settle. Each phase is written to the ledger before the next begins, so a restart
 * resumes a job where it stopped.
 */
export class JobRunner {
  private readonly options: Required<JobRunnerOptions>;

  constructor(private readonly deps: JobRunnerDeps) {
    this.options = { ...DefaultJobRunnerOptions, ...deps.options };
  }

  async run(initial: JobRecord, { resumed, signal }: { resumed: boolean; signal: AbortSignal }): Promise<void> {
    const log = this.deps.logger.child({ jobId: initial.id, guildId: initial.guildId, userId: initial.userId });
    const cancel = initial.phase === 'queued' ? this.deps.cancels?.register(initial) : undefined;
    const context: RunContext = { progress: this.progressFor(initial, cancel), signal, log, cancel };
    let job = initial;
    try {
      if (job.phase === 'submitting' && resumed) {
        // The crash came while createTask was in flight: a task may exist and be billed, but we cannot
        // know its id. Submitting again could bill twice, so tell the member instead.
        log.warn('job interrupted before KIE confirmed the task; refunding');
        await this.fail(job, { code: 'interrupted_before_submit' }, context);
        return;
      }
      if (job.phase === 'queued' || job.phase === 'submitting') job = await this.submit(job, context);
      if (job.phase === 'watching') job = await this.follow(job, context);
      await this.deliver(job, context);
    } catch (error) {
      await context.progress.stop();
      if (error instanceof JobCancelled || cancel?.signal.aborted) {
        // No request left for KIE (claimSend decided that): the unit goes back, and the press edits the status.
        log.info({ waitedMs: this.deps.clock.now() - job.createdAt }, 'job cancelled by the member before it reached KIE');
        await this.deps.settle(job, 'refunded').catch((inner: unknown) => log.error({ err: inner }, 'could not refund a cancelled job'));
        return;
      }
      if (error instanceof Interrupted || signal.aborted) {
        log.info({ taskId: taskIdOf(job), phase: job.phase }, 'job left in the ledger for the next start');
        return;
      }
      log.warn({ err: error, taskId: taskIdOf(job), elapsedMs: this.deps.clock.now() - job.createdAt }, 'job failed');
      await this.fail(job, failureReason(error, this.deps.jobTimeoutMs), context).catch((inner: unknown) => {
        if (!(inner instanceof Interrupted)) log.error({ err: inner }, 'could not report the failure');
      });
    } finally {
      cancel?.done();
    }
  }

  /** queued → watching: creates the KIE task (the client waits while KIE refuses new tasks for now). */
  private async submit(job: JobIn<'queued' | 'submitting'>, { progress, signal: shutdown, log, cancel }: RunContext): Promise<JobIn<'watching'>> {
    const signal = cancel ? AbortSignal.any([shutdown, cancel.signal]) : shutdown;
    const started = this.deps.clock.now();
    let current: JobIn<'queued' | 'submitting'> = job;
    const { prompt, aspect, quality, imageUrls } = job.request;
    const input = { prompt, aspect_ratio: aspect, quality, ...(imageUrls === undefined ? {} : { image_urls: imageUrls }) };
    const taskId = await this.deps.kie.createTask(input, {
      signal,
      onQueuePosition: (queuePosition, etaMs) => progress.update({ state: 'submitting', queuePosition, ...(etaMs === undefined ? {} : { etaMs }) }),
      // The job's place among everyone waiting for KIE: its member, server and arrival (kept in the ledger).
      claimant: { userId: job.userId, guildId: job.guildId, arrivedAt: job.createdAt, priority: job.priority === true },
      // Recorded before the request leaves: after a crash we must know a billed task may exist.
      beforeSend: async () => {
        // Decided in the same tick as the request leaves: a press from now on is told the task has started.
        if (cancel && !cancel.claimSend()) throw new JobCancelled();
        if (current.phase === 'submitting') return;
        current = { ...current, phase: 'submitting' };
        await this.deps.ledger.update(current);
      },
      // KIE refused before creating anything: the job waits again, for as long as it may live.
      deadline: job.createdAt + this.deps.jobTimeoutMs,
      onRefused: async ({ attempt, waitMs, error }) => {
        log.warn({ attempt, retryInMs: waitMs, kind: error.kind }, 'KIE refused the task for now; retrying');
        cancel?.reopen();
        current = { ...current, phase: 'queued' };
        await this.persist(current, log);
      },
      ...(this.deps.callBackUrl ? { callBackUrl: this.deps.callBackUrl } : {}),
    });
    const submittedAt = this.deps.clock.now();
    const next: JobIn<'watching'> = { ...current, phase: 'watching', taskId, submittedAt };
    await this.persist(next, log);
    log.info({ taskId, createMs: submittedAt - started }, 'task created');
    progress.update({ state: 'waiting' });
    return next;
  }

  /** watching → delivering: polls (or hears a callback) until the task succeeds. */
  private async follow(job: JobIn<'watching'>, { progress, signal, log }: RunContext): Promise<JobIn<'delivering'>> {
    const { taskId } = job;
    let lastState: string | undefined;
    const record = await watchTask(this.deps.kie, taskId, {
      timeoutMs: this.deps.jobTimeoutMs,
      startedAt: job.submittedAt,
      now: () => this.deps.clock.now(),
      signal,
      ...this.deps.polling,
      ...(this.deps.waker ? { waker: this.deps.waker } : {}),
      onUpdate: (update) => {
        if (update.state !== lastState) {
          log.info({ taskId, state: update.state, from: lastState }, 'task state changed');
          lastState = update.state;
        }
        progress.update({ state: update.state });
      },
    });
    const [resultUrl] = record.resultUrls;
    if (resultUrl === undefined) throw new KieError({ kind: 'task_failed', message: 'KIE reported success without an image URL' });
    const next: JobIn<'delivering'> = {
      ...job,
      phase: 'delivering',
      resultUrl,
      ...(record.creditsConsumed === null ? {} : { creditsConsumed: record.creditsConsumed }),
    };
    log.info({ taskId, costTimeSeconds: record.costTimeSeconds, generationMs: this.deps.clock.now() - job.submittedAt }, 'task succeeded');
    await this.persist(next, log);
    return next;
  }

  /** delivering → settled: relays the image to the member and keeps the quota unit. */
  private async deliver(job: JobIn<'delivering'>, context: RunContext): Promise<void> {
    if (job.delivered !== undefined) {
      // The image reached the member before a restart; only the settlement was left.
      context.log.info({ taskId: job.taskId, target: job.delivered.target }, 'image already delivered before the restart; settling');
      await this.settleDelivered(job, context);
      return;
    }
    context.progress.update({ state: 'downloading' });
    const delivered = await this.deps.relay.relay(job, {
      signal: context.signal,
      log: context.log,
      beforeUpload: async () => {
        await context.progress.stop();
        await this.recordDelivery(() => this.deps.deliveries?.uploading(job), context);
      },
      send: (build) => this.send(job, build, context),
    });
    // From here on the member has the image: nothing below may refund the unit, tell of a failure or deliver again.
    const done: JobIn<'delivering'> = { ...job, delivered: { target: delivered.target, message: delivered.message } };
    await this.untilStored(() => this.deps.ledger.update(done), 'could not mark the job delivered in the ledger', context);
    await this.recordDelivery(() => this.deps.deliveries?.delivered(done, delivered), context);
    await this.settleDelivered(done, context);
  }

  /** Keeps the unit and closes the ledger entry, retrying while the store fails; a job left open is settled at the next start. */
  private async settleDelivered(job: JobIn<'delivering'>, context: RunContext): Promise<void> {
    await this.untilStored(() => this.deps.settle(job, 'delivered'), 'could not close the ledger entry of a delivered job', context);
  }

  /** Retries a store write on the settle schedule; gives up quietly (logged) on shutdown or once the schedule is spent. */
  private async untilStored(write: () => Promise<void>, problem: string, { signal, log }: RunContext): Promise<boolean> {
    const delays = this.options.settleRetryDelaysMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await write();
        if (attempt > 0) log.info({ attempts: attempt + 1 }, 'store write succeeded after retries');
        return true;
      } catch (error) {
        const delay = delays[attempt];
        if (delay === undefined || signal.aborted) {
          log.error({ err: error, attempts: attempt + 1 }, `${problem}; it stays in the ledger and is settled at the next start`);
          return false;
        }
        log.warn({ err: error, attempt: attempt + 1, retryInMs: delay }, problem);
        try {
          await this.options.sleep(delay, signal);
        } catch {
          // Shutting down: the next loop turn gives up.
        }
      }
    }
  }

  /** Tells the delivery recorder; a failure to record is logged, never the job's failure. */
  private async recordDelivery(record: () => Promise<void> | undefined, { log }: RunContext): Promise<void> {
    try {
      await record();
    } catch (error) {
      log.error({ err: error }, 'could not record the image in the history');
    }
  }

  /** Any phase → settled: gives the unit back and tells the member why there is no image. */
  private async fail(job: JobRecord, reason: FailureReason, context: RunContext): Promise<void> {
    await this.deps.settle(job, 'refunded');
    if (job.phase === 'delivering') await this.recordDelivery(() => this.deps.deliveries?.failed(job), context);
    try {
      await this.send(job, (late) => failureNotice(job, reason, late), context);
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      context.log.error({ err: error }, 'the member could not be told about the failure');
    }
  }

  private send(job: JobRecord, build: MessageBuilder, { signal, log }: RunContext): Promise<Delivered> {
    return deliverWithRetry(job, build, signal, {
      replies: this.deps.replies,
      logger: log,
      now: () => this.deps.clock.now(),
      tokenLifetimeMs: this.options.tokenLifetimeMs,
      retryDelaysMs: this.options.deliveryRetryDelaysMs,
      sleep: this.options.sleep,
      onPostponed: (attempt) => this.persist({ ...job, deliveryAttempts: (job.deliveryAttempts ?? 0) + attempt }, log),
    });
  }

  private progressFor(job: JobRecord, cancel: CancelHandle | undefined): ProgressReporter {
    const { clock } = this.deps;
    const m = messagesFor(job.locale);
    return new ProgressReporter({
      render: (state: ProgressState) => m.progress(state.state, clock.now() - job.createdAt, state.queuePosition, state.etaMs),
      send: async (content, state) => {
        // A Cancel button while the job waits in line; every other status has none (KIE bills a started task).
        const cancellable = cancel !== undefined && !cancel.signal.aborted && (state.queuePosition ?? 0) > 0;
        await this.deps.replies.editOriginal(job.applicationId, job.interactionToken, {
          content,
          embeds: [],
          components: cancellable ? [cancelButton(job.id, m)] : [],
          allowedMentions: { parse: [] },
        });
      },
      canSend: () => tokenUsable(job, clock.now(), this.options.tokenLifetimeMs),
      minIntervalMs: this.options.progressIntervalMs,
      // The deferred reply ("thinking…") is the first thing shown. Holding the first edit back 1–2 s keeps
      // a burst of jobs from answering its burst of acknowledgements with a burst of edits while later
      // members still wait for theirs, and spreads the edits of jobs started together.
      firstEditDelayMs: this.options.firstProgressEditMs * (1 + this.options.random()),
      now: () => clock.now(),
      logger: this.deps.logger,
      ...(this.deps.onState ? { onUpdate: (state: ProgressState) => this.deps.onState?.(job.id, state) } : {}),
    });
  }

  /** A ledger write that fails must not lose the job in memory; it only weakens crash recovery. */
  private async persist(job: JobRecord, log: Logger): Promise<void> {
    try {
      await this.deps.ledger.update(job);
    } catch (error) {
      log.error({ err: error }, 'could not update the job ledger');
    }
  }
}

function taskIdOf(job: JobRecord): string | undefined {
  return 'taskId' in job ? job.taskId : undefined;
}
