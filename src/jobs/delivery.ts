import { classifyReplyError, describeReplyError, type DiscordReplies, type OutgoingMessage, type ReplyFailure, type SentMessage } from '../discord/replies.js';
import type { DeliveryTarget } from '../discord/message-refs.js';
import type { Logger } from '../log.js';
import { fromSchedule, retrying } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import type { JobRecord } from './job.js';

/** Where a message reached the member, and the message Discord stored. */
export interface Delivered {
  target: DeliveryTarget;
  message: SentMessage;
}

/** Discord lets an interaction token edit its reply for 15 minutes; stop trusting it a little earlier. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
export const TOKEN_SAFETY_MARGIN_MS = 60_000;

/**
 * Why a message did not reach the member: `transient` (Discord down or rate limited: worth another try
 * later), `too_large` (the upload exceeds the server's real limit), `rejected` (Discord refused the body),
 * `unreachable` (reply expired, channel and DMs closed).
 */
export type DeliveryFailure = ReplyFailure;

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly kind: DeliveryFailure,
  ) {
    super(message);
  }
}

/** Thrown when the process is shutting down during a delivery: the job stays in the ledger for the next start. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export function tokenUsable(job: JobRecord, now: number, lifetimeMs = INTERACTION_TOKEN_LIFETIME_MS): boolean {
  const margin = Math.min(TOKEN_SAFETY_MARGIN_MS, lifetimeMs / 10);
  return now < job.createdAt + lifetimeMs - margin;
}

export interface DeliveryDeps {
  replies: DiscordReplies;
  logger: Logger;
  now: () => number;
  tokenLifetimeMs?: number;
}

/** Builds the message for a target: a message outside the original reply (`late`) must say whom it is for. */
export type MessageBuilder = (late: boolean) => OutgoingMessage;

/**
 * Puts a message in front of the member: the original reply while its token lives, else a message in the
 * channel that mentions them, else a direct message. A personal job's channel is one the bot cannot post
 * in (a DM with someone else, a server without the bot), and a private job's must not see it: only the
 * reply (ephemeral for a private job), then a DM.
 */
export async function deliverOnce(job: JobRecord, build: MessageBuilder, deps: DeliveryDeps): Promise<Delivered> {
  const later: DeliveryTarget[] = job.personal === true || job.private === true ? ['dm'] : ['channel', 'dm'];
  const targets: DeliveryTarget[] = tokenUsable(job, deps.now(), deps.tokenLifetimeMs) ? ['original', ...later] : later;
  for (const target of targets) {
    try {
      return { target, message: await sendTo(target, job, build(target !== 'original'), deps.replies) };
    } catch (error) {
      const failure = classifyReplyError(error);
      deps.logger.warn({ jobId: job.id, target, failure, discord: describeReplyError(error) }, 'delivery attempt failed');
      if (failure === 'unreachable') continue;
      throw new DeliveryError(FAILURE_DESCRIPTIONS[failure], failure);
    }
  }
  throw new DeliveryError(FAILURE_DESCRIPTIONS.unreachable, 'unreachable');
}

const FAILURE_DESCRIPTIONS: Record<DeliveryFailure, string> = {
  too_large: 'the upload was too large',
  transient: 'Discord did not accept the message for now',
  rejected: 'Discord rejected the message',
  unreachable: 'the member cannot be reached (reply expired, channel and DMs closed)',
};

export interface PersistentDeliveryDeps extends DeliveryDeps {
  /** Waits between attempts while Discord is failing; the last one repeats. */
  retryDelaysMs: readonly number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of each postponed attempt (the runner records the count in the ledger). */
  onPostponed?: (attempt: number, retryInMs: number) => Promise<void>;
}

/**
 * Retries while Discord is failing: a message is never dropped because Discord had a bad minute. Stops with
 * the DeliveryError when retrying cannot help, and with Interrupted when `signal` aborts.
 */
export async function deliverWithRetry(job: JobRecord, build: MessageBuilder, signal: AbortSignal, deps: PersistentDeliveryDeps): Promise<Delivered> {
  const interrupted = () => new Interrupted('delivery interrupted by shutdown');
  let postponed = Promise.resolve();
  return retrying(
    async () => {
      if (signal.aborted) throw interrupted();
      return deliverOnce(job, build, deps);
    },
    {
      next: (error, attempt) => {
        if (!(error instanceof DeliveryError) || error.kind !== 'transient') return undefined;
        const delay = fromSchedule(deps.retryDelaysMs, attempt);
        deps.logger.warn({ jobId: job.id, attempt, retryInMs: delay }, 'delivery postponed');
        postponed = deps.onPostponed?.(attempt, delay) ?? Promise.resolve();
        return delay;
      },
      // The postponement is recorded before the wait begins.
      sleep: async (ms) => {
        await postponed;
        await (deps.sleep ?? defaultSleep)(ms, signal).catch(() => {
          throw interrupted();
        });
      },
    },
  );
}

function sendTo(target: DeliveryTarget, job: JobRecord, message: OutgoingMessage, replies: DiscordReplies): Promise<SentMessage> {
  switch (target) {
    case 'original':
      return replies.editOriginal(job.applicationId, job.interactionToken, message);
    case 'channel':
      return replies.sendToChannel(job.channelId, message);
    case 'dm':
      return replies.sendDirect(job.userId, message);
  }
}
