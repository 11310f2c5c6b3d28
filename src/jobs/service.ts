import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { messages } from '../messages.js';
import { PendingAcknowledgements } from './acknowledgements.js';
import { admit, type Admission, type AdmissionDeps } from './admission.js';
import type { ImagineRequest, JobRecord } from './job.js';
import type { JobLedger } from './ledger.js';
import type { JobRunner } from './runner.js';

/** Discord's documented default when an interaction does not say (10 MiB). */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

/** Checks that usually take milliseconds; past this the reply is deferred first so Discord's 3 s are kept. */
const ADMISSION_DEADLINE_MS = 1_500;

/** The longest a new job holds back its KIE work while other members' commands wait for their answer. */
const ACKNOWLEDGEMENT_WAIT_MS = 1_000;

export interface JobServiceDeps extends AdmissionDeps {
  runner: JobRunner;
  ledger: JobLedger;
  refund: (reservation: Extract<Admission, { admitted: true }>['reservation']) => Promise<void>;
  logger: Logger;
  clock: Clock;
}

interface RunningJob {
  job: JobRecord;
  done: Promise<void>;
}

/** Admits /imagine requests, starts their jobs, resumes the ledger's jobs at start-up and drains on shutdown. */
export class JobService {
  private readonly running = new Map<string, RunningJob>();
  private readonly shutdown = new AbortController();
  private readonly acknowledgements = new PendingAcknowledgements();
  private accepting = true;

  constructor(private readonly deps: JobServiceDeps) {
    // Every running job listens for shutdown on this one signal.
    setMaxListeners(0, this.shutdown.signal);
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  inFlightFor(guildId: string, userId: string): number {
    let count = 0;
    for (const { job } of this.running.values()) if (job.guildId === guildId && job.userId === userId) count += 1;
    return count;
  }

  get inFlight(): number {
    return this.running.size;
  }

  async submit(interaction: ChatInputCommandInteraction, request: ImagineRequest): Promise<void> {
    const answered = this.acknowledgements.begin();
    try {
      await this.admitAndStart(interaction, request, answered);
    } finally {
      answered();
    }
  }

  private async admitAndStart(interaction: ChatInputCommandInteraction, request: ImagineRequest, answered: () => void): Promise<void> {
    const { logger, clock } = this.deps;
    const guildId = interaction.guildId;
    if (!guildId) {
      await interaction.reply({ content: messages.guildOnly, flags: MessageFlags.Ephemeral });
      return;
    }
    if (!this.accepting) {
      await interaction.reply({ content: messages.restarting, flags: MessageFlags.Ephemeral });
      return;
    }
    const log = logger.child({ interactionId: interaction.id, guildId, userId: interaction.user.id });
    log.info({ aspect: request.aspect, quality: request.quality, promptLength: request.prompt.length }, 'imagine received');

    const admission = admit(this.deps, guildId, interaction.user.id, request.prompt);
    let deferred = false;
    const early = await Promise.race([admission.then(() => true, () => true), delay(ADMISSION_DEADLINE_MS).then(() => false)]);
    if (!early) {
      try {
        await interaction.deferReply();
        deferred = true;
      } catch (error) {
        log.warn({ err: error }, 'could not acknowledge the interaction while admission was slow');
        const late = await admission.catch(() => undefined);
        if (late?.admitted) await this.deps.refund(late.reservation);
        return;
      }
    }
    let verdict: Admission;
    try {
      verdict = await admission;
    } catch (error) {
      log.error({ err: error }, 'store unavailable during admission');
      await this.refuse(interaction, deferred, messages.storeUnavailable);
      return;
    }
    if (!verdict.admitted) {
      log.info({ reason: verdict.reason }, 'imagine refused');
      await this.refuse(interaction, deferred, verdict.reason);
      return;
    }
    try {
      if (!deferred) await interaction.deferReply();
    } catch (error) {
      log.warn({ err: error }, 'could not acknowledge the interaction; refunding');
      await this.deps.refund(verdict.reservation);
      return;
    }
    log.info({ deferMs: clock.now() - interaction.createdTimestamp }, 'deferred');
    answered();

    const job: JobRecord = {
      id: randomUUID(),
      guildId,
      channelId: interaction.channelId,
      userId: interaction.user.id,
      applicationId: interaction.applicationId,
      interactionId: interaction.id,
      interactionToken: interaction.token,
      createdAt: interaction.createdTimestamp,
      request,
      attachmentSizeLimit: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_LIMIT,
      reservation: verdict.reservation.scope,
      phase: 'queued',
    };
    try {
      await this.deps.ledger.open(job);
    } catch (error) {
      log.error({ err: error }, 'could not write the job ledger');
      await this.deps.refund(verdict.reservation);
      await interaction.editReply({ content: messages.storeUnavailable, allowedMentions: { parse: [] } }).catch(() => undefined);
      return;
    }
    // Counted as running at once (quota views, shutdown), its KIE work waits for the burst's answers.
    this.start(job, false, this.acknowledgements.settled(ACKNOWLEDGEMENT_WAIT_MS));
  }

  /** Picks up every job the ledger still holds, e.g. after a crash or a restart. */
  async resumeOpenJobs(owns: (job: JobRecord) => boolean = () => true): Promise<number> {
    const jobs = (await this.deps.ledger.openJobs()).filter(owns);
    for (const job of jobs) {
      if (this.running.has(job.id)) continue;
      this.deps.logger.info({ jobId: job.id, taskId: job.taskId, phase: job.phase }, 'resuming job');
      this.start(job, true);
    }
    return jobs.length;
  }

  /** Stops taking new work, interrupts running jobs (they stay in the ledger) and waits for them to park. */
  async stop(timeoutMs: number): Promise<void> {
    this.accepting = false;
    this.shutdown.abort(new Error('shutting down'));
    const all = Promise.allSettled([...this.running.values()].map((entry) => entry.done));
    await Promise.race([all, delay(timeoutMs)]);
  }

  /** Resolves when every job now running has finished (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
  }

  private start(job: JobRecord, resumed: boolean, after: Promise<void> = Promise.resolve()): void {
    const done = after
      .then(() => this.deps.runner.run(job, { resumed, signal: this.shutdown.signal }))
      .catch((error: unknown) => this.deps.logger.error({ err: error, jobId: job.id }, 'job runner crashed'))
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, { job, done });
  }

  private async refuse(interaction: ChatInputCommandInteraction, deferred: boolean, reason: string): Promise<void> {
    if (!deferred) {
      await interaction.reply({ content: reason, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    // The public "thinking" reply is already there: replace it with a private answer.
    await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp({ content: reason, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
