import type { Keyv } from 'keyv';
import { z } from 'zod';
import { pictureSourceSchema, type PictureSource } from '../discord/message-refs.js';
import { ASPECT_RATIOS, QUALITIES, type AspectRatio, type Quality } from '../kie/index.js';
import { parseStoredJson } from '../util/stored-json.js';

/** A picture chosen with "Edit image", waiting for its member to submit the edit modal. */
export interface EditSource {
  guildId: string;
  userId: string;
  imageUrl: string;
  /** The message the picture is on, so a reroll of the edit can read a fresh URL of it. */
  imageSource?: PictureSource;
  aspect: AspectRatio;
  quality: Quality;
}

const editSourceSchema = z.object({
  guildId: z.string(),
  userId: z.string(),
  imageUrl: z.url(),
  imageSource: pictureSourceSchema.exactOptional(),
  aspect: z.enum(ASPECT_RATIOS),
  quality: z.enum(QUALITIES),
});

/** How long a chosen picture waits for its modal; a modal left open longer says the picture is too old. */
export const EDIT_SOURCE_TTL_MS = 60 * 60_000;

/**
 * The pictures of open "Edit image" modals, in the store so that any bot process (after a restart, or
 * another shard) can take the submission. A modal's custom_id holds only the key.
 */
export class EditSourceStore {
  constructor(
    private readonly kv: Keyv,
    private readonly ttlMs = EDIT_SOURCE_TTL_MS,
  ) {}

  async put(id: string, source: EditSource): Promise<void> {
    await this.kv.set(key(id), JSON.stringify(source), this.ttlMs);
  }

  /** The source, if it is still there and belongs to this member. */
  async get(id: string, userId: string): Promise<EditSource | undefined> {
    const stored: unknown = await this.kv.get(key(id));
    if (typeof stored !== 'string') return undefined;
    const parsed = parseStoredJson(editSourceSchema, stored);
    return parsed.ok && parsed.value.userId === userId ? parsed.value : undefined;
  }
}

function key(id: string): string {
  return `edit-source:${id}`;
}
