import type { JobIn } from '../../src/jobs/job.js';
import { APPLICATION_ID, CHANNEL_ID, GUILD_ID, MEMBER, interactionId } from './ids.js';

/** A valid ledger record in the `submitting` phase; ids are real-looking snowflakes. */
export function ledgerJob(id: string, createdAt: number): JobIn<'submitting'> {
  return {
    id,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    userId: MEMBER.id,
    applicationId: APPLICATION_ID,
    interactionId: interactionId(createdAt),
    interactionToken: `token-${id}`,
    createdAt,
    request: { prompt: `prompt for ${id} with "quotes" and emoji 🎨`, aspect: '16:9', quality: 'high' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    reservation: { guildId: GUILD_ID, userId: MEMBER.id, day: '2023-11-14' },
    phase: 'submitting',
  };
}
