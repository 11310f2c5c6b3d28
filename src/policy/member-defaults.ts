import { z } from 'zod';
import { ASPECT_RATIOS, QUALITIES, type AspectRatio, type Quality } from '../kie/index.js';
import { MAX_STYLE_NAME_LENGTH } from './styles.js';

/** The most images one request asks for (/imagine count, a set), and so the largest /settings default count. */
export const MAX_SET_SIZE = 4;

/** What a member chose with /settings for one server; each is used where their command leaves it out. */
export interface MemberDefaults {
  aspect?: AspectRatio;
  quality?: Quality;
  count?: number;
  /** A server style's name, as the member picked it (it may since have been removed). */
  style?: string;
  /** Results only the member sees (ephemeral replies, late ones by DM). */
  private?: boolean;
}

const memberDefaultsSchema = z.object({
  aspect: z.enum(ASPECT_RATIOS).exactOptional(),
  quality: z.enum(QUALITIES).exactOptional(),
  count: z.number().int().min(1).max(MAX_SET_SIZE).exactOptional(),
  style: z.string().min(1).max(MAX_STYLE_NAME_LENGTH).exactOptional(),
  private: z.boolean().exactOptional(),
}) satisfies z.ZodType<MemberDefaults>;

/** The defaults stored for each member of a server; a record that does not parse counts as no defaults. */
export function storedMemberDefaults(stored: Readonly<Record<string, unknown>>): Record<string, MemberDefaults> {
  return Object.fromEntries(
    Object.entries(stored).flatMap(([userId, value]) => {
      const parsed = memberDefaultsSchema.safeParse(value);
      return parsed.success ? [[userId, parsed.data]] : [];
    }),
  );
}

/** Where the defaults live: one map per server, beside (and read with) the server's policy. */
export interface MemberDefaultsBackend {
  policy(guildId: string): Promise<{ memberDefaults: Readonly<Record<string, MemberDefaults>> }>;
  /** Replaces one member's entry with `change(current)` (undefined removes it) under the map's edit lock. */
  updateMemberDefaults(guildId: string, userId: string, change: (current: MemberDefaults) => MemberDefaults | undefined): Promise<void>;
}

/**
 * Members' defaults for one server. They are part of the server's cached policy, so the /imagine that uses
 * them reads nothing more before its acknowledgement; a change drops the cached policy like any admin change.
 */
export class MemberDefaultsStore {
  constructor(private readonly backend: MemberDefaultsBackend) {}

  async get(guildId: string, userId: string): Promise<MemberDefaults> {
    return (await this.backend.policy(guildId)).memberDefaults[userId] ?? {};
  }

  /** Sets the given defaults, keeping the others; resolves to all of them now. */
  async update(guildId: string, userId: string, changes: MemberDefaults): Promise<MemberDefaults> {
    let updated: MemberDefaults = {};
    await this.backend.updateMemberDefaults(guildId, userId, (current) => (updated = memberDefaultsSchema.parse({ ...current, ...changes })));
    return updated;
  }

  async reset(guildId: string, userId: string): Promise<void> {
    await this.backend.updateMemberDefaults(guildId, userId, () => undefined);
  }
}
