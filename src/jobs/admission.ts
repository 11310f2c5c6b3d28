import type { RefusalReason } from '../errors.js';
import { findBannedWord } from '../moderation/words.js';
import type { GuildSettingsStore } from '../moderation/settings.js';
import type { QuotaService, Reservation } from '../quota/quota-service.js';

export type Admission = { admitted: true; reservation: Reservation } | { admitted: false; refusal: RefusalReason };

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
  if (settings.paused) return { admitted: false, refusal: { code: 'paused' } };
  if (blocked) return { admitted: false, refusal: { code: 'blocked' } };
  const banned = findBannedWord(prompt, settings.bannedWords);
  if (banned !== undefined) return { admitted: false, refusal: { code: 'banned_word', word: banned } };
  const reservation = await deps.quota.reserve(guildId, userId);
  if (!reservation.granted) return { admitted: false, refusal: { code: 'quota_exceeded', quota: reservation.status } };
  return { admitted: true, reservation };
}
