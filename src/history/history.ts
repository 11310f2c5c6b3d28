import { z } from 'zod';
import { imageParentSchema, pictureSourceSchema, snowflakeSchema, type DeliveryTarget, type ImageParent, type PictureSource } from '../discord/message-refs.js';
import { ASPECT_RATIOS, QUALITIES, SEEDREAM_EDIT_MODEL, SEEDREAM_T2I_MODEL, TOPAZ_UPSCALE_MODEL, UPSCALE_FACTOR, type AspectRatio, type Quality } from '../kie/index.js';
import { MAX_SET_SIZE } from '../policy/member-defaults.js';
import { isPersonalGuild } from '../quota/personal.js';
import { parseStoredJson } from '../util/stored-json.js';

/** Records live at least this many days, then are pruned. */
export const HISTORY_RETENTION_DAYS = 30;
export const HISTORY_RETENTION_MS = HISTORY_RETENTION_DAYS * 24 * 60 * 60 * 1000;

export const HISTORY_MODELS = [SEEDREAM_T2I_MODEL, SEEDREAM_EDIT_MODEL, TOPAZ_UPSCALE_MODEL] as const;

/** One delivered image, kept so its member can find it again. */
export interface HistoryEntry {
  jobId: string;
  guildId: string;
  channelId: string;
  /** Unknown while the image is being uploaded (the entry is written first, so its buttons work at once). */
  messageId?: string;
  userId: string;
  prompt: string;
  aspect: AspectRatio;
  quality: Quality;
  model: (typeof HISTORY_MODELS)[number];
  /** [] for text-to-image. */
  inputImageUrls: string[];
  /** The message the input picture was taken from, to read a fresh URL of it when the recorded one has expired. */
  inputSource?: PictureSource;
  /** A blend's pictures' messages, by place in `inputImageUrls` (null: a picture on no message). */
  inputSources?: Array<PictureSource | null>;
  /** The server style the prompt ends with, to name it again on a reroll. */
  style?: string;
  /** The images it came from, with links to their messages: one for a reroll, edit or upscale; a blend's of the bot's own images. */
  parents?: ImageParent[];
  /** KIE's result URL. */
  resultUrl: string;
  /** The Discord attachment URL of the delivered image, when known. */
  imageUrl?: string;
  /** Where the message went: the reply, a channel message, or a DM (whose jump link has no guild). */
  delivery?: DeliveryTarget;
  /** Made privately: only its member saw it, so /history gives no link and its reroll or edit is private too. */
  private?: boolean;
  /** When it was delivered (ms since epoch). */
  createdAt: number;
  /** An upscale of `inputImageUrls[0]` by this factor. */
  upscaleFactor?: typeof UPSCALE_FACTOR;
  /** How many images its request asked for (/imagine count), when more than one: what a Reroll asks again. */
  setSize?: number;
  /** The jobs whose images share its message, in order, when more than one (Delete removes them all). */
  setJobIds?: string[];
}

export interface HistoryPage {
  entries: HistoryEntry[];
  total: number;
}

export interface HistoryStore {
  /** Writes (or replaces, same jobId) one entry. */
  record(entry: HistoryEntry): Promise<void>;
  /** The entry, or undefined if unknown or older than the retention at `now`. */
  get(jobId: string, now: number): Promise<HistoryEntry | undefined>;
  /** A member's entries in one guild, newest first, skipping `offset`, at most `limit`; `total` counts all of that member's live entries there. */
  listForMember(guildId: string, userId: string, page: { offset: number; limit: number }, now: number): Promise<HistoryPage>;
  /** Forgets one entry (the member deleted the image). */
  remove(jobId: string): Promise<void>;
  /** Deletes entries older than the retention; returns how many went. */
  prune(now: number): Promise<number>;
}

const snowflake = snowflakeSchema;

export const historyEntrySchema = z.object({
  jobId: z.uuid(),
  guildId: snowflake,
  channelId: snowflake,
  messageId: snowflake.exactOptional(),
  userId: snowflake,
  prompt: z.string().min(1),
  aspect: z.enum(ASPECT_RATIOS),
  quality: z.enum(QUALITIES),
  model: z.enum(HISTORY_MODELS),
  inputImageUrls: z.array(z.url()),
  inputSource: pictureSourceSchema.exactOptional(),
  inputSources: z.array(pictureSourceSchema.nullable()).exactOptional(),
  style: z.string().min(1).max(64).exactOptional(),
  parents: z.array(imageParentSchema).exactOptional(),
  resultUrl: z.url(),
  imageUrl: z.url().exactOptional(),
  delivery: z.enum(['original', 'channel', 'dm']).exactOptional(),
  private: z.literal(true).exactOptional(),
  createdAt: z.number().int().nonnegative(),
  upscaleFactor: z.literal(UPSCALE_FACTOR).exactOptional(),
  setSize: z.number().int().min(2).max(MAX_SET_SIZE).exactOptional(),
  setJobIds: z.array(z.uuid()).min(2).max(MAX_SET_SIZE).exactOptional(),
}) satisfies z.ZodType<HistoryEntry>;

/** Reads one stored entry back; anything that is not an entry (corrupt, or from an incompatible version) is undefined, never trusted. */
export function parseHistoryEntry(text: string): HistoryEntry | undefined {
  const parsed = parseStoredJson(historyEntrySchema, text);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * The entry as it will be stored; rejects what could not be read back, so a store never holds a row it would skip
 * (and a jobId cannot reach a Redis key name unchecked).
 */
export function validHistoryEntry(entry: HistoryEntry): HistoryEntry {
  return historyEntrySchema.parse(entry);
}

/** The oldest createdAt still live at `now`: an entry lives for the whole retention, to the millisecond. */
export function oldestLiveAt(now: number): number {
  return now - HISTORY_RETENTION_MS;
}

export function assertPage(page: { offset: number; limit: number }): void {
  if (!Number.isSafeInteger(page.offset) || page.offset < 0) throw new RangeError(`history page offset must be a non-negative integer, got ${page.offset}`);
  if (!Number.isSafeInteger(page.limit) || page.limit < 0) throw new RangeError(`history page limit must be a non-negative integer, got ${page.limit}`);
}

/** A link that opens the image's message in Discord, once the message is known. */
export function jumpLink(entry: Pick<HistoryEntry, 'guildId' | 'channelId' | 'messageId' | 'delivery' | 'private'>): string | undefined {
  // A personal image lives in a DM or a server the bot is not in: its link would lead nowhere for the bot.
  // A private one is an ephemeral reply (or a DM) that no link opens for anyone else, nor names to them.
  if (entry.messageId === undefined || isPersonalGuild(entry.guildId) || entry.private === true) return undefined;
  const where = entry.delivery === 'dm' ? '@me' : entry.guildId;
  return `https://discord.com/channels/${where}/${entry.channelId}/${entry.messageId}`;
}
