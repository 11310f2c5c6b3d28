import type { Clock } from '../clock.js';
import type { DiscordReplies } from '../discord/replies.js';
import { KieError, watchTask, type KieClient, type TaskWaker, type WatchTaskOptions } from '../kie/index.js';
import type { Logger } from '../log.js';
import { messages } from '../messages.js';
import type { QuotaScope } from '../quota/counter.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import { deliverOnce, DeliveryError, tokenUsable, type DeliveryTarget } from './delivery.js';
import { failureMessage } from './failure.js';
import type { DownloadedImage, FittedImage } from './image.js';
import type { JobRecord } from './job.js';
import type { JobLedger } from './ledger.js';
import { ProgressReporter, type ProgressState } from './progress.js';
import { failureNotice, successMessage } from './result-message.js';

export interface JobRunnerDeps {
  kie: Pick<KieClient, 'createTask' | 'getTask'>;
  ledger: JobLedger;
  /** Lets a KIE callback cut a watch's pause short. */
  waker?: TaskWaker;
  refund: (scope: QuotaScope) => Promise<void>;
  replies: DiscordReplies;
  download: (url: string, signal: AbortSignal) => Promise<DownloadedImage>;
  /**
   * Runs a job's image work (download, re-encode, upload) in one of a few slots, so the number of large
   * images held in memory is bounded however many jobs finish at once. Default: no bound.
   */
  imageSlot?: <T>(work: () => Promise<T>) => Promise<T>;
  fit: (image: DownloadedImage, limitBytes: number) => Promise<FittedImage>;
  /** Deletes a downloaded image once it has been fitted. */
  discard: (image: DownloadedImage) => Promise<void>;
  logger: Logger;
  clock: Clock;
  jobTimeoutMs: number;
  progressIntervalMs?: number;
  /** The first progress edit waits between this and twice this after the defer (default 1 s). */
  firstProgressEditMs?: number;
  tokenLifetimeMs?: number;
  /** Pause before the next poll given the task's age; defaults to KIE's guidance. */
  pollSchedule?: (elapsedMs: number) => number;
  /** When given, it decides which watched task polls next (and pollSchedule is not used). */
  pollPlanner?: WatchTaskOptions['planner'];
  /** Waits between delivery attempts while Discord is failing; the last one repeats. */
  deliveryRetryDelaysMs?: readonly number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source (default Math.random). */
  random?: () => number;
  callBackUrl?: string;
}

const FIRST_PROGRESS_EDIT_MS = 1_000;

/** Thrown inside a run when the process is shutting down: the job stays in the ledger for the next start. */
class Interrupted extends Error {}

/**
 * One job's life: create the KIE task (unless the ledger already has it), follow it, deliver the image and
 * settle the quota. Every step that can be resumed is written to the ledger before the next begins.
 */
export class JobRunner {
  constructor(private readonly deps: JobRunnerDeps) {}

  async run(initial: JobRecord, options: { resumed: boolean; signal: AbortSignal }): Promise<void> {
    const { logger, clock } = this.deps;
    const log = logger.child({ jobId: initial.id, guildId: initial.guildId, userId: initial.userId });
    let job = initial;
    const progress = this.progressFor(job);
    try {
      if (!job.taskId) {
        if (options.resumed && job.phase === 'submitting') {
          // The crash came while createTask was in flight: a task may exist and be billed, but we cannot
          // know its id. Submitting again could bill twice, so tell the member instead.
          log.warn('job interrupted before KIE confirmed the task; refunding');
          await this.finishWithFailure(job, messages.interruptedBeforeSubmit, options.signal, log);
          return;
        }
        job = await this.submit(job, progress, options.signal, log);
      }
      if (!job.resultUrl) job = await this.follow(job, progress, options.signal, log);
      await this.deliverImage(job, progress, options.signal, log);
    } catch (error) {
      if (error instanceof Interrupted || options.signal.aborted) {
        log.info({ taskId: job.taskId, phase: job.phase }, 'job left in the ledger for the next start');
        await progress.stop();
        return;
      }
      log.warn({ err: error, taskId: job.taskId, elapsedMs: clock.now() - job.createdAt }, 'job failed');
      await progress.stop();
      await this.finishWithFailure(job, failureMessage(error, this.deps.jobTimeoutMs), options.signal, log).catch((inner: unknown) => {
        if (!(inner instanceof Interrupted)) log.error({ err: inner }, 'could not report the failure');
      });
    }
  }

  private async submit(job: JobRecord, progress: ProgressReporter, signal: AbortSignal, log: Logger): Promise<JobRecord> {
    const started = this.deps.clock.now();
    let current = job;
    const options = {
      signal,
      onQueuePosition: (queuePosition: number) => progress.update({ state: 'submitting', queuePosition }),
      // Recorded before the request leaves: after a crash we must know a billed task may exist.
      beforeSend: async () => {
        if (current.phase === 'submitting') return;
        current = { ...current, phase: 'submitting' };
        await this.deps.ledger.update(current);
      },
      ...(this.deps.callBackUrl ? { callBackUrl: this.deps.callBackUrl } : {}),
    };
    const input = { prompt: job.request.prompt, aspect_ratio: job.request.aspect, quality: job.request.quality };
    let taskId: string;
    for (let attempt = 1; ; attempt += 1) {
      try {
        taskId = await this.deps.kie.createTask(input, options);
        break;
      } catch (error) {
        // KIE drops (does not queue) creates over its limit or during maintenance: nothing was created,
        // so waiting and asking again is safe, for as long as the job may live.
        const refusedBeforeCreating =
          error instanceof KieError && !error.maybeCreated && (error.kind === 'rate_limited' || error.kind === 'unavailable') && error.transient;
        const wait = Math.min(30_000, 5_000 * attempt);
        if (!refusedBeforeCreating || this.deps.clock.now() + wait > job.createdAt + this.deps.jobTimeoutMs) throw error;
        log.warn({ attempt, retryInMs: wait, kind: error.kind }, 'KIE refused the task for now; retrying');
        current = { ...current, phase: 'queued' };
        await this.persist(current, log);
        await (this.deps.sleep ?? defaultSleep)(wait, signal);
      }
    }
    const next: JobRecord = { ...current, taskId, submittedAt: this.deps.clock.now(), phase: 'watching' };
    await this.persist(next, log);
    log.info({ taskId, createMs: next.submittedAt! - started }, 'task created');
    progress.update({ state: 'waiting' });
    return next;
  }

  private async follow(job: JobRecord, progress: ProgressReporter, signal: AbortSignal, log: Logger): Promise<JobRecord> {
    const taskId = job.taskId!;
    let lastState: string | undefined;
    const record = await watchTask(this.deps.kie, taskId, {
      timeoutMs: this.deps.jobTimeoutMs,
      startedAt: job.submittedAt ?? job.createdAt,
      now: () => this.deps.clock.now(),
      signal,
      ...(this.deps.pollSchedule ? { schedule: this.deps.pollSchedule } : {}),
      planner: this.deps.pollPlanner,
      ...(this.deps.waker ? { waker: this.deps.waker } : {}),
      onUpdate: (update) => {
        if (update.state !== lastState) {
          log.info({ taskId, state: update.state, from: lastState }, 'task state changed');
          lastState = update.state;
        }
        progress.update({ state: update.state });
      },
    });
    const next: JobRecord = { ...job, resultUrl: record.resultUrls[0]!, phase: 'delivering' };
    log.info({ taskId, costTimeSeconds: record.costTimeSeconds, generationMs: this.deps.clock.now() - (job.submittedAt ?? job.createdAt) }, 'task succeeded');
    await this.persist(next, log);
    return next;
  }

  private async deliverImage(job: JobRecord, progress: ProgressReporter, signal: AbortSignal, log: Logger): Promise<void> {
    progress.update({ state: 'downloading' });
    const slot = this.deps.imageSlot ?? ((work) => work());
    const queuedAt = this.deps.clock.now();
    await slot(() => this.relayImage(job, progress, signal, log, this.deps.clock.now() - queuedAt));
    await this.deps.ledger.close(job.id);
  }

  private async relayImage(job: JobRecord, progress: ProgressReporter, signal: AbortSignal, log: Logger, slotWaitMs: number): Promise<void> {
    const { clock } = this.deps;
    const started = clock.now();
    let downloaded = started;
    // The downloaded original is not kept during the upload (a 4K PNG is about 30 MB): in the rare case that
    // Discord refuses the size, it is downloaded again.
    let image = await this.downloadAndFit(job, job.attachmentSizeLimit, signal, log, () => (downloaded = clock.now()));
    const fitted = clock.now();
    await progress.stop();
    const elapsedMs = this.deps.clock.now() - job.createdAt;
    let target: DeliveryTarget;
    try {
      target = await this.deliverWithRetry(job, (late) => successMessage({ job, image, elapsedMs, late }), signal, log);
    } catch (error) {
      if (!(error instanceof DeliveryError && error.tooLarge)) throw error;
      // The server's real limit is lower than the interaction said: try once more at half the size.
      const smaller = Math.floor(Math.min(job.attachmentSizeLimit, image.bytes.length) / 2);
      image = await this.downloadAndFit(job, smaller, signal, log);
      target = await this.deliverWithRetry(job, (late) => successMessage({ job, image, elapsedMs, late }), signal, log);
    }
    const timings = { slotWaitMs, downloadMs: downloaded - started, fitMs: fitted - downloaded, uploadMs: clock.now() - fitted };
    log.info({ taskId: job.taskId, target, bytes: image.bytes.length, resized: image.resized, ...timings, totalMs: clock.now() - job.createdAt }, 'image delivered');
  }

  /** Downloads the job's image and fits it to the limit; the downloaded file is deleted either way. */
  private async downloadAndFit(job: JobRecord, limitBytes: number, signal: AbortSignal, log: Logger, onDownloaded = () => {}): Promise<FittedImage> {
    const downloaded = await this.deps.download(job.resultUrl!, signal).finally(onDownloaded);
    try {
      return await this.deps.fit(downloaded, limitBytes);
    } finally {
      await this.deps.discard(downloaded).catch((error: unknown) => log.warn({ err: error, path: downloaded.path }, 'could not delete a downloaded image'));
    }
  }

  private async finishWithFailure(job: JobRecord, reason: string, signal: AbortSignal, log: Logger): Promise<void> {
    await this.deps.refund(job.reservation);
    log.info({ taskId: job.taskId }, 'quota refunded');
    try {
      await this.deliverWithRetry(job, (late) => failureNotice(job, reason, late), signal, log);
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      log.error({ err: error }, 'the member could not be told about the failure');
    }
    await this.deps.ledger.close(job.id);
  }

  /** Retries while Discord is failing; a message is never dropped because Discord had a bad minute. */
  private async deliverWithRetry(
    job: JobRecord,
    build: Parameters<typeof deliverOnce>[1],
    signal: AbortSignal,
    log: Logger,
  ): Promise<DeliveryTarget> {
    const delays = this.deps.deliveryRetryDelaysMs ?? [2_000, 5_000, 15_000, 30_000, 60_000];
    const sleep = this.deps.sleep ?? defaultSleep;
    for (let attempt = 0; ; attempt += 1) {
      if (signal.aborted) throw new Interrupted();
      try {
        return await deliverOnce(job, build, {
          replies: this.deps.replies,
          logger: log,
          now: () => this.deps.clock.now(),
          ...(this.deps.tokenLifetimeMs ? { tokenLifetimeMs: this.deps.tokenLifetimeMs } : {}),
        });
      } catch (error) {
        if (!(error instanceof DeliveryError) || error.permanent) throw error;
        const delay = delays[Math.min(attempt, delays.length - 1)]!;
        log.warn({ attempt: attempt + 1, retryInMs: delay }, 'delivery postponed');
        await this.persist({ ...job, deliveryAttempts: (job.deliveryAttempts ?? 0) + attempt + 1 }, log);
        await sleep(delay, signal).catch(() => {
          throw new Interrupted();
        });
      }
    }
  }

  private progressFor(job: JobRecord): ProgressReporter {
    return new ProgressReporter({
      render: (state: ProgressState) => messages.progress(state.state, this.deps.clock.now() - job.createdAt, state.queuePosition),
      send: (content) =>
        this.deps.replies.editOriginal(job.applicationId, job.interactionToken, { content, embeds: [], allowedMentions: { parse: [] } }),
      canSend: () => tokenUsable(job, this.deps.clock.now(), this.deps.tokenLifetimeMs),
      minIntervalMs: this.deps.progressIntervalMs ?? 5_000,
      // The deferred reply ("thinking…") is the first thing shown. Holding the first edit back 1–2 s keeps
      // a burst of jobs from answering its burst of acknowledgements with a burst of edits while later
      // members still wait for theirs, and spreads the edits of jobs started together.
      firstEditDelayMs: (this.deps.firstProgressEditMs ?? FIRST_PROGRESS_EDIT_MS) * (1 + (this.deps.random ?? Math.random)()),
      now: () => this.deps.clock.now(),
      logger: this.deps.logger,
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
