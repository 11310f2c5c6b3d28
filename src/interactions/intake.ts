import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { Refusal, type RefusalReason } from '../errors.js';
import { admit, type AdmissionDeps } from '../jobs/admission.js';
import type { ImagineRequest, JobIn } from '../jobs/job.js';
import { MAX_SET_SIZE } from '../policy/member-defaults.js';
import type { ActiveJobCap } from '../jobs/member-cap.js';
import type { JobService } from '../jobs/service.js';
import type { Settle } from '../jobs/settlement.js';
import type { Logger } from '../log.js';
import type { QuotaScope } from '../quota/counter.js';
import type { MemberCheck } from '../discord/membership.js';
import { withDeadline } from '../util/deadline.js';

/** Discord's documented default when an interaction does not say (10 MiB). */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

/** Checks that usually take milliseconds; past this the reply is deferred first so Discord's 3 s are kept. */
export const ADMISSION_DEADLINE_MS = 1_500;

/**
 * What starting a job needs of an interaction: a slash command, a button or a modal submission in a
 * server. The job keeps the token to edit the deferred reply, and the channel and member to fall back to.
 */
export interface JobInteraction {
  readonly id: string;
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly user: { readonly id: string };
  /** The member's Discord locale: everything the job later tells them is in its language. */
  readonly locale?: string;
  /** The member's roles in the server (role limits); [] when pressed in a DM. */
  readonly memberRoleIds: readonly string[];
  /** Through the member's own install (a DM, a server without the bot): their personal allowance, answered only through the interaction. */
  readonly personal?: boolean;
  /** A private request: its defer, status and result are ephemeral, and a late result goes by DM. */
  readonly private?: boolean;
  /** A button pressed in a DM (on an image delivered there): the server's channel rules do not apply. */
  readonly inDirectMessages?: boolean;
  /**
   * A press in a DM: whether the presser is still a member of the image's server (which the bot is still in),
   * and their roles there now. Asked by admission after every other check.
   */
  currentMember?(): Promise<MemberCheck>;
  /** The channel the interaction's thread belongs to, or undefined outside a thread. */
  parentChannelId?(): Promise<string | undefined>;
  readonly createdTimestamp: number;
  readonly attachmentSizeLimit: number;
  /** The public "thinking…" defer, or an ephemeral one for a private request. */
  deferReply(): Promise<unknown>;
}

export interface JobIntakeDeps extends AdmissionDeps {
  jobs: Pick<JobService, 'startAll'>;
  /** Whether a member with these roles comes first in the waiting line (a priority role). */
  hasPriority?: (guildId: string, roleIds: readonly string[]) => Promise<boolean>;
  /** MAX_ACTIVE_PER_MEMBER: checked first, so a refused request reserves nothing. */
  cap?: Pick<ActiveJobCap, 'claim'>;
  settle: Settle;
  logger: Logger;
  clock: Clock;
  admissionDeadlineMs?: number;
  /** Told, once the public defer went through, how long after Discord created the interaction that was (metrics). */
  onDeferred?: (latencyMs: number) => void;
  /** Told of every refusal (the moderation log records banned words and blocked members). */
  onRefused?: (interaction: JobInteraction, request: ImagineRequest, refusal: RefusalReason) => void;
}

/**
 * Starts a job for an interaction: admission, the public "thinking…" defer, the job record. A refusal is
 * thrown as a Refusal and a store outage as the store's error; the interaction error policy answers both.
 */
export type JobIntake = (interaction: JobInteraction, request: ImagineRequest, options?: IntakeOptions) => Promise<void>;

export interface IntakeOptions {
  /**
   * What the request still needs from Discord or the network (a reroll's fresh picture URL). It runs only
   * once admission has passed and the reply is deferred, so a refused press reads nothing.
   */
  complete?: (request: ImagineRequest) => Promise<ImagineRequest>;
  /**
   * How many images (1 to MAX_SET_SIZE, default 1), already resolved by the caller: the command's option,
   * else the member's default, else 1. Each is a task and a unit; the units are reserved all or none, and the
   * images are delivered together in one message.
   */
  count?: number;
}

export function createJobIntake(deps: JobIntakeDeps): JobIntake {
  const deadlineMs = deps.admissionDeadlineMs ?? ADMISSION_DEADLINE_MS;
  const intake = startJob(deps, deadlineMs);
  return async (interaction, request, options) => {
    const claim = deps.cap?.claim(interaction.guildId, interaction.user.id, options?.count ?? 1);
    if (claim && !claim.ok) throw new Refusal(claim.refusal);
    try {
      await intake(interaction, request, options);
    } finally {
      // By now the job runs (and counts as running) or was refused.
      claim?.release();
    }
  };
}

function startJob(deps: JobIntakeDeps, deadlineMs: number): JobIntake {
  return async (interaction, request, options = {}) => {
    const { guildId } = interaction;
    const userId = interaction.user.id;
    const count = options.count ?? 1;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SET_SIZE) throw new RangeError(`count must be 1 to ${MAX_SET_SIZE}, got ${count}`);
    // The interaction's fields go on each line rather than into a child logger: a burst of 200 makes 400
    // lines, and building a child for each interaction cost more than writing its fields twice.
    const context = { interactionId: interaction.id, guildId, userId };
    const log = (): Logger => deps.logger.child(context);
    const defer = async (failure: string): Promise<boolean> => {
      const done = await deferReply(interaction, log, failure);
      if (done) deps.onDeferred?.(deps.clock.now() - interaction.createdTimestamp);
      return done;
    };
    deps.logger.info({ ...context, aspect: request.aspect, quality: request.quality, promptLength: request.prompt.length, count }, 'imagine received');

    const admission = admit(deps, {
      guildId,
      userId,
      roleIds: interaction.memberRoleIds,
      channelId: interaction.inDirectMessages ? undefined : interaction.channelId,
      parentChannelId: interaction.parentChannelId?.bind(interaction),
      currentMember: interaction.currentMember?.bind(interaction),
      prompt: request.prompt,
      units: count,
      personal: interaction.personal,
    });
    // Read beside admission (cached per server); a failed read only costs the member their priority.
    const priority = (deps.hasPriority?.(guildId, interaction.memberRoleIds) ?? Promise.resolve(false)).catch((error: unknown) => {
      log().warn({ err: error }, 'could not read the priority roles');
      return false;
    });
    let deferred = false;
    if (!(await settlesWithin(admission, deadlineMs))) {
      deferred = await defer('could not acknowledge the interaction while admission was slow');
      if (!deferred) {
        const late = await admission.catch(() => undefined);
        if (late?.admitted) for (const job of jobsFor(interaction, request, late.reservation.scope, count)) await deps.settle(job, 'refunded');
        return;
      }
    }
    const verdict = await admission;
    if (!verdict.admitted) {
      deps.onRefused?.(interaction, request, verdict.refusal);
      throw new Refusal(verdict.refusal);
    }
    let jobs = jobsFor(interaction, request, verdict.reservation.scope, count);
    const refundAll = async (): Promise<void> => {
      for (const job of jobs) await deps.settle(job, 'refunded');
    };
    if (!deferred && !(await defer('could not acknowledge the interaction; refunding'))) {
      await refundAll();
      return;
    }
    if (options.complete) {
      try {
        const completed = await options.complete(request);
        jobs = jobs.map((job) => ({ ...job, request: completed }));
      } catch (error) {
        await refundAll();
        throw error;
      }
    }
    deps.logger.info({ ...context, jobIds: jobs.map(({ id }) => id), deferMs: deps.clock.now() - interaction.createdTimestamp }, 'deferred');
    // Priority only orders the waiting line, so it is awaited after the defer, never before it.
    if (await priority) jobs = jobs.map((job) => ({ ...job, priority: true }));
    await deps.jobs.startAll(jobs);
  };
}

/** One job per image asked for; several make a set, delivered together. */
function jobsFor(interaction: JobInteraction, request: ImagineRequest, reservation: QuotaScope, count: number): JobIn<'queued'>[] {
  if (count === 1) return [jobFor(interaction, request, reservation)];
  const setId = randomUUID();
  return Array.from({ length: count }, (_, index) => ({ ...jobFor(interaction, request, reservation), set: { id: setId, index, size: count } }));
}

function jobFor(interaction: JobInteraction, request: ImagineRequest, reservation: QuotaScope): JobIn<'queued'> {
  return {
    id: randomUUID(),
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    applicationId: interaction.applicationId,
    interactionId: interaction.id,
    interactionToken: interaction.token,
    createdAt: interaction.createdTimestamp,
    request,
    attachmentSizeLimit: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_LIMIT,
    reservation,
    ...(interaction.locale === undefined ? {} : { locale: interaction.locale }),
    ...(interaction.personal ? { personal: true } : {}),
    ...(interaction.private ? { private: true } : {}),
    phase: 'queued',
  };
}

/** A defer that fails (Discord unreachable, interaction expired) leaves nobody to answer: it is logged only. */
async function deferReply(interaction: JobInteraction, log: () => Logger, failure: string): Promise<boolean> {
  try {
    await interaction.deferReply();
    return true;
  } catch (error) {
    log().warn({ err: error }, failure);
    return false;
  }
}

/** Whether `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withDeadline(promise.then(() => true, () => true), ms, () => false);
}
