import type { JobIn } from '../../src/jobs/job.js';

/** A valid ledger record in the `submitting` phase; ids are real-looking snowflakes. */
export function ledgerJob(id: string, createdAt: number): JobIn<'submitting'> {
  return {
    id,
    guildId: '1100000000000000001',
    channelId: '1100000000000000002',
    userId: '1200000000000000001',
    applicationId: '1300000000000000001',
    interactionId: String(1400000000000000000n + BigInt(createdAt)),
    interactionToken: `token-${id}`,
    createdAt,
    request: { prompt: `prompt for ${id} with "quotes" and emoji 🎨`, aspect: '16:9', quality: 'high' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    reservation: { guildId: '1100000000000000001', userId: '1200000000000000001', day: '2023-11-14' },
    phase: 'submitting',
  };
}
