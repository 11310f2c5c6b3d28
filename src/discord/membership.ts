import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIGuildMember, type REST } from 'discord.js';
import type { RefusalReason } from '../errors.js';

/** Whether someone is (still) a member of a server, with their roles, or why they may not press. */
export type MemberCheck = { member: true; roleIds: readonly string[] } | { member: false; refusal: RefusalReason };

/** How long an answer about one member of one server is reused (a burst of presses makes one request). */
export const MEMBERSHIP_CACHE_MS = 30_000;

/** Past this the check is given up (and the press refused as failed), so Discord's 3 s are kept. */
export const MEMBERSHIP_LOOKUP_TIMEOUT_MS = 1_500;

export interface MembershipDeps {
  rest: Pick<REST, 'get'>;
  now: () => number;
  cacheMs?: number;
}

/**
 * Whether someone is still a member of a server the bot is still in, and their roles there, from
 * `GET /guilds/{guild}/members/{user}`. A button pressed in a DM carries neither, so this is what holds it
 * to the server's rules. Answers (member or not) are cached briefly; concurrent checks share one request.
 * Anything but a clear answer (a timeout, Discord failing) rejects: the press fails, it is not admitted.
 */
export class MembershipCheck {
  readonly #rest: Pick<REST, 'get'>;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { answer: Promise<MemberCheck>; expiresAt: number }>();

  constructor(deps: MembershipDeps) {
    this.#rest = deps.rest;
    this.#now = deps.now;
    this.#cacheMs = deps.cacheMs ?? MEMBERSHIP_CACHE_MS;
  }

  check(guildId: string, userId: string): Promise<MemberCheck> {
    const key = `${guildId}/${userId}`;
    const now = this.#now();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return cached.answer;
    const answer = this.#ask(guildId, userId);
    this.#cache.set(key, { answer, expiresAt: now + this.#cacheMs });
    answer.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 5_000) this.#evictExpired(now);
    return answer;
  }

  async #ask(guildId: string, userId: string): Promise<MemberCheck> {
    try {
      const member = (await this.#rest.get(Routes.guildMember(guildId, userId), {
        signal: AbortSignal.timeout(MEMBERSHIP_LOOKUP_TIMEOUT_MS),
      })) as APIGuildMember;
      // The @everyone role has the server's id; it is no rule of its own.
      return { member: true, roleIds: member.roles.filter((id) => id !== guildId) };
    } catch (error) {
      const refusal = refusalFor(error);
      if (refusal === undefined) throw error;
      return { member: false, refusal };
    }
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
  }
}

function refusalFor(error: unknown): RefusalReason | undefined {
  if (!(error instanceof DiscordAPIError)) return undefined;
  if (error.code === RESTJSONErrorCodes.UnknownMember || error.code === RESTJSONErrorCodes.UnknownUser) return { code: 'not_a_member' };
  // A server the bot has left answers Unknown Guild, or Missing Access where Discord hides it.
  if (error.code === RESTJSONErrorCodes.UnknownGuild || error.code === RESTJSONErrorCodes.MissingAccess) return { code: 'bot_not_in_server' };
  return undefined;
}
