import { z } from 'zod';
import { ASPECT_RATIOS, EDIT_IMAGE_LIMITS, QUALITIES, UPSCALE_FACTOR, type AspectRatio, type Quality } from '../kie/index.js';
import { imageParentSchema, pictureSourceSchema, snowflakeSchema, type ImageParent, type PictureSource } from '../discord/message-refs.js';
import type { FailureReason } from '../errors.js';
import { MAX_SET_SIZE } from '../policy/member-defaults.js';
import { parseStoredJson } from '../util/stored-json.js';

export interface ImagineRequest {
  prompt: string;
  aspect: AspectRatio;
  quality: Quality;
  /** Pictures to start from (seedream/4.5-edit); absent for text to image. */
  imageUrls?: string[];
  /** The Discord message the picture was taken from, when there is one to read it again from. */
  imageSource?: PictureSource;
  /** The server style whose text follows the member's words in `prompt` (named on the result). */
  style?: string;
  /** The member's default style, left out because an admin removed it (the result says so). */
  droppedStyle?: string;
  /** An upscale (topaz/image-upscale) of `imageUrls[0]` by this factor; the prompt and settings are the parent's. */
  upscaleFactor?: typeof UPSCALE_FACTOR;
  /**
   * The images this one came from, each with a link to its message: the one pressed on for a reroll, edit or
   * upscale; for a blend, those of its pictures that are the bot's own images.
   */
  parents?: ImageParent[];
  /** A blend's pictures' messages, by place in `imageUrls` (null: attached to the command, on no message). */
  pictureSources?: Array<PictureSource | null>;
}

/** One image of a set asked for at once (/imagine count): all N are delivered together in one message. */
export interface JobSet {
  id: string;
  /** 0-based place in the set. */
  index: number;
  size: number;
}

const snowflake = snowflakeSchema;
const moment = z.number().int().nonnegative();

const jobSetSchema = z
  .object({ id: z.string().min(1).max(64), index: z.number().int().nonnegative(), size: z.number().int().min(2).max(MAX_SET_SIZE) })
  .refine((set) => set.index < set.size, 'index must be below size');

const jobBase = z.object({
  id: z.string().min(1),
  guildId: snowflake,
  channelId: snowflake,
  userId: snowflake,
  applicationId: snowflake,
  interactionId: snowflake,
  interactionToken: z.string().min(1),
  /** When Discord created the interaction (ms); the token lives 15 minutes from then. */
  createdAt: moment,
  request: z.object({
    prompt: z.string().min(1),
    aspect: z.enum(ASPECT_RATIOS),
    quality: z.enum(QUALITIES),
    imageUrls: z.array(z.url()).min(1).max(EDIT_IMAGE_LIMITS.maxImages).optional(),
    imageSource: pictureSourceSchema.optional(),
    style: z.string().min(1).max(64).optional(),
    droppedStyle: z.string().min(1).max(64).optional(),
    upscaleFactor: z.literal(UPSCALE_FACTOR).optional(),
    parents: z.array(imageParentSchema).max(EDIT_IMAGE_LIMITS.maxImages).optional(),
    pictureSources: z.array(pictureSourceSchema.nullable()).max(EDIT_IMAGE_LIMITS.maxImages).optional(),
  }),
  attachmentSizeLimit: z.number().int().positive(),
  reservation: z.object({ guildId: snowflake, userId: snowflake, day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  deliveryAttempts: z.number().int().nonnegative().optional(),
  /** The member's Discord locale when they asked: the status, result and failure are in its language. */
  locale: z.string().regex(/^[a-zA-Z-]{2,16}$/).optional(),
  /** Asked through the member's own install: the bot can answer only through the interaction, or later by DM. */
  personal: z.boolean().optional(),
  /** Asked privately (/imagine private, or the member's /settings default): only they see it; late, it goes by DM, never to the channel. */
  private: z.boolean().optional(),
  /** The member had one of the server's priority roles when they asked: first in the waiting line. */
  priority: z.boolean().optional(),
  /** One image of a set: delivered with the others of the set in one message. */
  set: jobSetSchema.optional(),
});

const detail = z.string().min(1).max(300).exactOptional();

/** Why an image of a set failed, kept as its code so that the set's message says it in its member's language. */
const failureReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.enum(['out_of_credits', 'misconfigured', 'service_busy', 'service_unavailable', 'image_unavailable', 'submit_uncertain', 'interrupted_before_submit', 'unexpected']) }),
  z.object({ code: z.enum(['prompt_rejected', 'generation_failed']), detail }),
  z.object({ code: z.literal('timed_out'), afterMs: z.number().int().nonnegative() }),
]) satisfies z.ZodType<FailureReason>;

const task = { taskId: z.string().min(1), submittedAt: moment };

/** Where the image reached the member: once written, the job is never delivered again nor refunded. */
const deliveredSchema = z.object({
  target: z.enum(['original', 'channel', 'dm']),
  message: z.object({ id: z.string().min(1), channelId: z.string().min(1), attachmentUrl: z.string().optional() }),
});

/**
 * A job as written to the ledger: everything needed to finish it after a restart (the interaction token to
 * edit the reply while it lives, the channel and member to fall back to afterwards), and what is known of
 * its KIE task, which depends on its phase:
 * - queued: waiting for the create budget, nothing sent (safe to submit after a restart);
 * - submitting: a createTask request may have reached KIE (never submitted again blindly);
 * - watching: the task id is known;
 * - delivering: the task succeeded and its image URL is known (a restart does not poll again); with
 *   `delivered`, the image reached the member and only the settlement is left (a restart does not deliver again);
 * - failed: one image of a set whose task failed; its unit is back already, and it waits for the rest of its
 *   set, whose message says it failed (a restart neither refunds it again nor runs it).
 */
export const jobRecordSchema = z.discriminatedUnion('phase', [
  jobBase.extend({ phase: z.literal('queued') }),
  jobBase.extend({ phase: z.literal('submitting') }),
  jobBase.extend({ phase: z.literal('watching'), ...task }),
  jobBase.extend({
    phase: z.literal('delivering'),
    ...task,
    resultUrl: z.url(),
    creditsConsumed: z.number().nonnegative().optional(),
    delivered: deliveredSchema.optional(),
  }),
  jobBase.extend({ phase: z.literal('failed'), failure: failureReasonSchema, taskId: z.string().min(1).optional() }),
]);

export type JobRecord = z.infer<typeof jobRecordSchema>;
export type JobPhase = JobRecord['phase'];
export type JobIn<P extends JobPhase> = Extract<JobRecord, { phase: P }>;
/** A job whose KIE task exists. */
export type SubmittedJob = JobIn<'watching' | 'delivering'>;

export type ParsedJobRecord = { ok: true; job: JobRecord } | { ok: false; problem: string };

/** Reads one ledger row back; a row that is not a job (corrupt, or written by an incompatible version) is reported, never trusted. */
export function parseJobRecord(text: string): ParsedJobRecord {
  const parsed = parseStoredJson(jobRecordSchema, text);
  return parsed.ok ? { ok: true, job: parsed.value } : parsed;
}
