import { classifyReplyError, describeReplyError, type DiscordReplies, type OutgoingMessage } from '../discord/replies.js';
import type { Logger } from '../log.js';
import type { JobRecord } from './job.js';

export type DeliveryTarget = 'original' | 'channel' | 'dm';

/** Discord lets an interaction token edit its reply for 15 minutes; stop trusting it a little earlier. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
export const TOKEN_SAFETY_MARGIN_MS = 60_000;

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** False: worth another try later (Discord down, rate limited). True: no way to reach the member. */
    readonly permanent: boolean,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

export function tokenUsable(job: JobRecord, now: number, lifetimeMs = INTERACTION_TOKEN_LIFETIME_MS): boolean {
  const margin = Math.min(TOKEN_SAFETY_MARGIN_MS, lifetimeMs / 10);
  return now < job.createdAt + lifetimeMs - margin;
}

/**
 * Puts a message in front of the member: the original reply while its token lives, else a message in the
 * channel that mentions them, else a direct message. `build(late)` makes the message for a target, because
 * a message outside the reply must say whom it is for.
 */
export async function deliverOnce(
  job: JobRecord,
  build: (late: boolean) => OutgoingMessage,
  deps: { replies: DiscordReplies; logger: Logger; now: () => number; tokenLifetimeMs?: number },
): Promise<DeliveryTarget> {
  const targets: DeliveryTarget[] = tokenUsable(job, deps.now(), deps.tokenLifetimeMs) ? ['original', 'channel', 'dm'] : ['channel', 'dm'];
  for (const target of targets) {
    try {
      await sendTo(target, job, build(target !== 'original'), deps.replies);
      return target;
    } catch (error) {
      const failure = classifyReplyError(error);
      deps.logger.warn({ jobId: job.id, target, failure, discord: describeReplyError(error) }, 'delivery attempt failed');
      if (failure === 'unreachable') continue;
      if (failure === 'too_large') throw new DeliveryError('the upload was too large', true, true);
      if (failure === 'transient') throw new DeliveryError('Discord did not accept the message for now', false);
      throw new DeliveryError('Discord rejected the message', true);
    }
  }
  throw new DeliveryError('the member cannot be reached (reply expired, channel and DMs closed)', true);
}

function sendTo(target: DeliveryTarget, job: JobRecord, message: OutgoingMessage, replies: DiscordReplies): Promise<void> {
  switch (target) {
    case 'original':
      return replies.editOriginal(job.applicationId, job.interactionToken, message);
    case 'channel':
      return replies.sendToChannel(job.channelId, message);
    case 'dm':
      return replies.sendDirect(job.userId, message);
  }
}
