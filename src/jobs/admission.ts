import { messages } from '../messages.js';
import { findBannedWord } from '../moderation/words.js';
import type { GuildSettingsStore } from '../moderation/settings.js';
import type { QuotaService, Reservation } from '../quota/quota-service.js';

export type Admission = { admitted: true; reservation: Reservation } | { admitted: false; reason: string };

export interface AdmissionDeps {
  settings: Pick<GuildSettingsStore, 'get' | 'isBlocked'>;
  quota: Pick<QuotaService, 'reserve'>;
}

/**
 * Decides whether a member may start a job, cheapest refusals first; a unit of quota is reserved only when
 * every other check has passed, so a refusal never costs the member anything.
 */
export async function admit(deps: AdmissionDeps, guildId: string, userId: string, prompt: string): Promise<Admission> {
  const [settings, blocked] = await Promise.all([deps.settings.get(guildId), deps.settings.isBlocked(guildId, userId)]);
  if (settings.paused) return { admitted: false, reason: messages.paused };
  if (blocked) return { admitted: false, reason: messages.blocked };
  const banned = findBannedWord(prompt, settings.bannedWords);
  if (banned !== undefined) return { admitted: false, reason: messages.bannedWord(banned) };
  const reservation = await deps.quota.reserve(guildId, userId);
  if (!reservation.granted) return { admitted: false, reason: messages.quotaExceeded(reservation.status) };
  return { admitted: true, reservation };
}
