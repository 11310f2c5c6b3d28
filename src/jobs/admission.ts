import type { MemberCheck } from '../discord/membership.js';
import type { RefusalReason } from '../errors.js';
import type { GuildSettingsStore } from '../policy/settings-store.js';
import type { QuotaService, Reservation } from '../quota/quota-service.js';

export type Admission = { admitted: true; reservation: Reservation } | { admitted: false; refusal: RefusalReason };

export interface AdmissionDeps {
  settings: Pick<GuildSettingsStore, 'policy' | 'cachedPolicy'>;
  quota: Pick<QuotaService, 'reserveUnder' | 'reservePersonal'>;
}

export interface AdmissionRequest {
  guildId: string;
  userId: string;
  roleIds: readonly string[];
  /** Where the job was asked for; undefined outside the server's channels (a button in a DM). */
  channelId: string | undefined;
  /** The channel a thread belongs to; asked only when the channel itself is not on the allow list. */
  parentChannelId?: (() => Promise<string | undefined>) | undefined;
  prompt: string;
  /** Images asked for at once (/imagine count): that many units, all or none. Default 1. */
  units?: number;
  /**
   * For a press in a DM: the member's current roles in the image's server, asked of Discord only once every
   * other check has passed, or the reason they may no longer press (not a member, the bot left the server).
   */
  currentMember?: (() => Promise<MemberCheck>) | undefined;
  /** Through the member's own install (a DM, a server without the bot): their personal allowance, no server's rules. */
  personal?: boolean | undefined;
}

/**
 * Decides whether a member may start a job, cheapest refusals first; a unit of quota is reserved only when
 * every other check has passed, so a refusal never costs the member anything. The server's policy is read
 * once (in memory once cached); the reservation is the one store operation awaited. Only a thread outside
 * the allow list, or a press in a DM, asks Discord anything, and only after the in-memory checks.
 */
export async function admit(deps: AdmissionDeps, request: AdmissionRequest): Promise<Admission> {
  const { guildId, userId, prompt } = request;
  const units = request.units ?? 1;
  if (request.personal) {
    // No server asked for this image: its settings, cap and counters do not apply; the operator's budget does.
    const reservation = await deps.quota.reservePersonal(userId, units);
    return reservation.granted ? { admitted: true, reservation } : { admitted: false, refusal: quotaRefusal(reservation, units, true) };
  }
  const policy = deps.settings.cachedPolicy(guildId) ?? (await deps.settings.policy(guildId));
  if (policy.paused) return { admitted: false, refusal: { code: 'paused' } };
  if (policy.blocked.has(userId)) return { admitted: false, refusal: { code: 'blocked' } };
  if (!(await inAllowedChannel(request, policy.allowedChannels))) {
    return { admitted: false, refusal: { code: 'wrong_channel', allowed: policy.allowedChannels } };
  }
  const banned = policy.bannedWordMatcher.find(prompt);
  if (banned !== undefined) return { admitted: false, refusal: { code: 'banned_word', word: banned } };
  let { roleIds } = request;
  if (request.currentMember) {
    const member = await request.currentMember();
    if (!member.member) return { admitted: false, refusal: member.refusal };
    roleIds = member.roleIds;
  }
  const reservation = await deps.quota.reserveUnder(policy, guildId, userId, roleIds, units);
  if (!reservation.granted) return { admitted: false, refusal: quotaRefusal(reservation, units) };
  return { admitted: true, reservation };
}

/** With an allow list, a channel on it or a thread inside one; anywhere without a list or outside the server. */
async function inAllowedChannel({ channelId, parentChannelId }: AdmissionRequest, allowed: readonly string[]): Promise<boolean> {
  if (channelId === undefined || allowed.length === 0 || allowed.includes(channelId)) return true;
  // Only a channel off the list may be a thread inside a listed one: the one case that asks Discord.
  const parent = await parentChannelId?.();
  return parent !== undefined && allowed.includes(parent);
}

function quotaRefusal(reservation: Reservation, units: number, personal = false): RefusalReason {
  const { status, available = 0 } = reservation;
  // Some left, but fewer than the set asks for: say how many, whichever limit it is.
  if (units > 1 && available > 0) return { code: 'not_enough_units', requested: units, available, resetsAt: status.resetsAt };
  if (reservation.refusedBy === 'guild' && status.guildCap !== undefined) {
    return { code: 'server_cap_reached', cap: status.guildCap, resetsAt: status.resetsAt };
  }
  if (reservation.refusedBy === 'budget') return { code: 'budget_spent', resetsAt: status.resetsAt };
  return personal ? { code: 'personal_quota_exceeded', quota: status } : { code: 'quota_exceeded', quota: status };
}
