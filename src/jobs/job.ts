import type { AspectRatio, Quality } from '../kie/index.js';
import type { QuotaScope } from '../quota/counter.js';

export interface ImagineRequest {
  prompt: string;
  aspect: AspectRatio;
  quality: Quality;
}

/**
 * A job as written to the ledger. It holds everything needed to finish the job after a restart: the
 * interaction token to edit the reply while it lives, the channel and member to fall back to afterwards.
 */
export interface JobRecord {
  id: string;
  guildId: string;
  channelId: string;
  userId: string;
  applicationId: string;
  interactionId: string;
  interactionToken: string;
  /** When Discord created the interaction (ms); the token lives 15 minutes from then. */
  createdAt: number;
  request: ImagineRequest;
  attachmentSizeLimit: number;
  reservation: QuotaScope;
  phase: JobPhase;
  taskId?: string;
  submittedAt?: number;
  /** Set once the task succeeded, so a restart during delivery does not poll again. */
  resultUrl?: string;
  deliveryAttempts?: number;
}

/**
 * queued: waiting for the create budget, nothing sent (safe to submit after a restart);
 * submitting: a createTask request may have reached KIE (never submitted again blindly);
 * watching: the task id is known; delivering: the task succeeded and its image URL is known.
 */
export type JobPhase = 'queued' | 'submitting' | 'watching' | 'delivering';
