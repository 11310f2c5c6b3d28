import type { Keyv } from 'keyv';
import { z } from 'zod';
import { MAX_SET_SIZE } from '../jobs/job.js';
import { ASPECT_RATIOS, QUALITIES, type AspectRatio, type Quality } from '../kie/index.js';
import { parseStoredJson } from '../util/stored-json.js';
import { MAX_STYLE_NAME_LENGTH } from './styles.js';

/** What a member chose with /settings for one server; each is used where their command leaves it out. */
export interface MemberDefaults {
  aspect?: AspectRatio;
  quality?: Quality;
  count?: number;
  /** A server style's name, as the member picked it (it may since have been removed). */
  style?: string;
}

const memberDefaultsSchema = z.object({
  aspect: z.enum(ASPECT_RATIOS).exactOptional(),
  quality: z.enum(QUALITIES).exactOptional(),
  count: z.number().int().min(1).max(MAX_SET_SIZE).exactOptional(),
  style: z.string().min(1).max(MAX_STYLE_NAME_LENGTH).exactOptional(),
}) satisfies z.ZodType<MemberDefaults>;

/**
 * Members' defaults, one small record per member and server in the key-value store (SQLite or Redis alike).
 * Read once per /imagine or /blend; a record that cannot be read back counts as no defaults.
 */
export class MemberDefaultsStore {
  constructor(private readonly kv: Keyv) {}

  async get(guildId: string, userId: string): Promise<MemberDefaults> {
    const stored: unknown = await this.kv.get(key(guildId, userId));
    if (typeof stored !== 'string') return {};
    const parsed = parseStoredJson(memberDefaultsSchema, stored);
    return parsed.ok ? parsed.value : {};
  }

  /** Sets the given defaults, keeping the others; resolves to all of them now. */
  async update(guildId: string, userId: string, changes: MemberDefaults): Promise<MemberDefaults> {
    const updated = memberDefaultsSchema.parse({ ...(await this.get(guildId, userId)), ...changes });
    // Keyv reports a failed write as `false` unless it was built with throwOnErrors.
    if (!(await this.kv.set(key(guildId, userId), JSON.stringify(updated)))) throw new Error('member defaults: could not save');
    return updated;
  }

  async reset(guildId: string, userId: string): Promise<void> {
    await this.kv.delete(key(guildId, userId));
  }
}

function key(guildId: string, userId: string): string {
  return `member-defaults:${guildId}:${userId}`;
}
