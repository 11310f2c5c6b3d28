import type { Clock } from '../clock.js';
import type { DiscordReplies } from '../discord/replies.js';
import { KieError, watchTask, type KieClient, type TaskInput, type TaskWaker, type WatchTaskOptions } from '../kie/index.js';
import type { Logger } from '../log.js';
import { messagesFor } from '../messages.js';
import { sleep as defaultSleep, type Sleep } from '../util/sleep.js';
import { deliverWithRetry, INTERACTION_TOKEN_LIFETIME_MS, Interrupted, tokenUsable, type Delivered, type MessageBuilder } from './delivery.js';
import type { FailureReason } from '../errors.js';
import { failureNotice, failureReason, setFailureNotice } from './failure.js';
import { JobCancelled, type CancelHandle, type JobCancellations } from './cancellation.js';
import type { JobIn, JobRecord } from './job.js';
import type { SetAssembly, SetMember } from './set-assembly.js';
import type { JobLedger } from './ledger.js';
import { ProgressReporter, type ProgressState } from './progress.js';
import type { ImageRelay } from './relay.js';
import { cancelButton, fileNameOf } from './result-message.js';
import type { Settle } from './settlement.js';

/** How often polls come: a planner shared by every watched task, or a fixed schedule by task age (callback mode). */
export type Polling = { planner: NonNullable<WatchTaskOptions['planner']> & { readonly waiting: number } } | { schedule: (elapsedMs: number) => number };

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
  /** `together`: the jobs whose images share the message (a set), in order; just this one otherwise. */
  uploading(job: JobIn<'delivering'>, together: readonly string[]): Promise<void>;
  delivered(job: JobIn<'delivering'>, delivered: Delivered, together: readonly string[]): Promise<void>;
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
  /** Where the images of a set wait for each other, to be delivered in one message. */
  sets: Pick<SetAssembly, 'arrive'>;
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
    // A set's images are called off together or not at all: they have no Cancel button.
    const cancel = initial.phase === 'queued' && initial.set === undefined ? this.deps.cancels?.register(initial) : undefined;
    const context: RunContext = { progress: this.progressFor(initial, cancel), signal, log, cancel };
    let job = initial;
    try {
      if (job.phase === 'failed') {
        // Its unit went back before the restart; it only waits for the rest of its set.
        await this.finishInSet(job, context);
        return;
      }
      if (job.phase === 'submitting' && resumed) {
        // The crash came while createTask was in flight: a task may exist and be billed, but we cannot
        // know its id. Submitting again could bill twice, so tell the member instead.
        log.warn('job interrupted before KIE confirmed the task; refunding');
        await this.fail(job, { code: 'interrupted_before_submit' }, context);
        return;
      }
      if (job.phase === 'queued' || job.phase === 'submitting') job = await this.submit(job, context);
      if (job.phase === 'watching') job = await this.follow(job, context);
      if (job.set === undefined) await this.deliver(job, context);
      else await this.finishInSet(job, context);
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
    const input = taskInputOf(job.request);
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
    const { delivered } = await this.deps.relay.relay([job], {
      signal: context.signal,
      log: context.log,
      beforeUpload: async () => {
        await context.progress.stop();
        await this.recordDelivery(() => this.deps.deliveries?.uploading(job, [job.id]), context);
      },
      send: (build) => this.send(job, build, context),
    });
    // From here on the member has the image: nothing below may refund the unit, tell of a failure or deliver again.
    await this.markDelivered(job, delivered, [job.id], context);
  }

  /** Writes down where an image reached the member, records it in the history, keeps its unit and closes its entry. */
  private async markDelivered(job: JobIn<'delivering'>, delivered: Delivered, together: readonly string[], context: RunContext): Promise<void> {
    const done: JobIn<'delivering'> = { ...job, delivered: { target: delivered.target, message: delivered.message } };
    await this.untilStored(() => this.deps.ledger.update(done), 'could not mark the job delivered in the ledger', context);
    await this.recordDelivery(() => this.deps.deliveries?.delivered(done, delivered, together), context);
    await this.settleDelivered(done, context);
  }

  /**
   * An image of a set is done (its task's image is known) or failed (its unit is back): it waits for the
   * others, and the last to arrive delivers them all in one message.
   */
  private async finishInSet(member: SetMember, context: RunContext): Promise<void> {
    await context.progress.stop();
    const gathered = await this.deps.sets.arrive(member, context.signal);
    if (gathered === undefined) return;
    try {
      await this.deliverSet(gathered.members, context);
    } finally {
      gathered.finished();
    }
  }

  /** One message with every image of the set that has one; the failures are said in it (their units are back). */
  private async deliverSet(members: SetMember[], context: RunContext): Promise<void> {
    const images = members.filter((member): member is JobIn<'delivering'> => member.phase === 'delivering');
    const failed = members.filter((member): member is JobIn<'failed'> => member.phase === 'failed');
    const closeFailed = async (extra: readonly JobIn<'failed'>[] = []): Promise<void> => {
      for (const member of [...failed, ...extra]) await this.untilStored(() => this.deps.settle(member, 'closed'), 'could not close a failed image of a set', context);
    };
    const earlier = images.find((image) => image.delivered !== undefined)?.delivered;
    if (earlier !== undefined) {
      // The message went out before a restart: only the bookkeeping is left.
      context.log.info({ setId: members[0]?.set?.id }, 'set already delivered before the restart; settling');
      const ids = images.map((image) => image.id);
      const { id, channelId } = earlier.message;
      for (const image of images) await this.markDelivered(image, { target: earlier.target, message: { id, channelId } }, ids, context);
      await closeFailed();
      return;
    }
    const [leader] = members;
    if (leader === undefined) return;
    if (images.length === 0) {
      await this.send(leader, (late) => setFailureNotice(leader, failed.map((member) => member.failure), late), context);
      await closeFailed();
      return;
    }
    const lost: JobIn<'failed'>[] = [];
    try {
      const relayed = await this.deps.relay.relay(images, {
        signal: context.signal,
        log: context.log,
        failures: failed.map((member) => member.failure),
        onLost: async (image, error) => {
          const reason = failureReason(error, this.deps.jobTimeoutMs);
          const member = failedRecord(image, reason);
          await this.deps.settle(member, 'refunded_in_set');
          lost.push(member);
          return reason;
        },
        beforeUpload: async () => {
          await context.progress.stop();
          for (const image of images) await this.recordDelivery(() => this.deps.deliveries?.uploading(image, images.map(({ id }) => id)), context);
        },
        send: (build) => this.send(leader, build, context),
      });
      const ids = relayed.images.map(({ job }) => job.id);
      for (const { job, image } of relayed.images) {
        const url = relayed.delivered.message.attachmentUrls?.[fileNameOf(job.id, image.format)];
        const message = { ...relayed.delivered.message, ...(url === undefined ? {} : { attachmentUrl: url }) };
        await this.markDelivered(job, { target: relayed.delivered.target, message }, ids, context);
      }
      await closeFailed(lost);
    } catch (error) {
      if (error instanceof Interrupted || context.signal.aborted) throw error;
      // Nothing reached the member: every image's unit goes back, and they are told once.
      context.log.warn({ err: error }, 'set failed at delivery');
      const lostIds = new Set(lost.map(({ id }) => id));
      for (const image of images) {
        if (lostIds.has(image.id)) continue;
        await this.deps.settle(image, 'refunded');
        await this.recordDelivery(() => this.deps.deliveries?.failed(image), context);
      }
      await closeFailed(lost);
      await this.send(leader, (late) => failureNotice(leader, failureReason(error, this.deps.jobTimeoutMs), late), context);
    }
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

  /** Any phase → settled: gives the unit back and tells the member why there is no image (for a set's image, in the set's message). */
  private async fail(job: JobRecord, reason: FailureReason, context: RunContext): Promise<void> {
    if (job.set !== undefined && job.phase !== 'failed') {
      const member = failedRecord(job, reason);
      await this.deps.settle(member, 'refunded_in_set');
      if (job.phase === 'delivering') await this.recordDelivery(() => this.deps.deliveries?.failed(job), context);
      await this.finishInSet(member, context);
      return;
    }
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
      // The images of a set share one reply: its first image tells how things stand.
      canSend: () => (job.set === undefined || job.set.index === 0) && tokenUsable(job, clock.now(), this.options.tokenLifetimeMs),
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

/** What KIE is asked: Seedream (text to image, or an edit of the pictures), or Topaz's upscale of the one picture. */
export function taskInputOf(request: JobRecord['request']): TaskInput {
  const { prompt, aspect, quality, imageUrls, upscaleFactor } = request;
  const [picture] = imageUrls ?? [];
  if (upscaleFactor !== undefined && picture !== undefined) return { image_url: picture, upscale_factor: upscaleFactor };
  return { prompt, aspect_ratio: aspect, quality, ...(imageUrls === undefined ? {} : { image_urls: imageUrls }) };
}

/** An image of a set whose work ended without an image: what the ledger keeps until the set is settled. */
function failedRecord(job: JobRecord, failure: FailureReason): JobIn<'failed'> {
  const { id, guildId, channelId, userId, applicationId, interactionId, interactionToken, createdAt, request, attachmentSizeLimit, reservation } = job;
  const { deliveryAttempts, locale, personal, priority, set } = job;
  const taskId = taskIdOf(job);
  return {
    ...{ id, guildId, channelId, userId, applicationId, interactionId, interactionToken, createdAt, request, attachmentSizeLimit, reservation },
    ...(deliveryAttempts === undefined ? {} : { deliveryAttempts }),
    // Its set's message is in the member's language, and a personal set is never posted in the channel.
    ...(locale === undefined ? {} : { locale }),
    ...(personal === undefined ? {} : { personal }),
    ...(priority === undefined ? {} : { priority }),
    ...(set === undefined ? {} : { set }),
    ...(taskId === undefined ? {} : { taskId }),
    phase: 'failed',
    failure,
  };
}

function taskIdOf(job: JobRecord): string | undefined {
  return 'taskId' in job ? job.taskId : undefined;
}
