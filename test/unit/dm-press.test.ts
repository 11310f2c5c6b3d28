import type { ButtonInteraction } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import { Refusal } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/history/history.js';
import { imageComponents as imageLoop } from '../../src/interactions/components/index.js';
import type { Services } from '../../src/services.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, person, messageId } from '../helpers/ids.js';

const entry: HistoryEntry = {
  jobId: '00000000-0000-4000-8000-000000000001',
  guildId: GUILD_ID,
  channelId: CHANNEL_ID,
  messageId: messageId(3),
  userId: MEMBER.id,
  prompt: 'a kite',
  aspect: '1:1',
  quality: 'basic',
  model: 'seedream/4.5-text-to-image',
  inputImageUrls: [],
  resultUrl: 'https://files.example/result.png',
  createdAt: 0,
};

/** A press in a DM (no guild) by `userId` on the image above. */
function dmPress(userId: string) {
  return { guildId: null, channelId: '1300000000000000001', user: { id: userId } } as unknown as ButtonInteraction;
}

function services(serves: boolean) {
  const startJob = vi.fn(async () => {});
  const membership = { check: vi.fn() };
  const stub = {
    clock: { now: () => 1 },
    history: { get: async () => entry },
    operator: { servesGuild: () => serves, isOperatorGuild: () => true },
    membership,
    startJob,
  } as unknown as Services;
  return { stub, startJob, membership };
}

const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof Refusal ? error.reason.code : error));

describe('a button pressed in a DM', () => {
  it('is refused to anyone but the image\'s own member, before anything is started or asked of Discord', async () => {
    const { stub, startJob, membership } = services(true);
    for (const kind of ['reroll', 'edit', 'delete', 'upscale'] as const) {
      expect(await refusalOf(imageLoop.button(dmPress(person('neighbour').id), { kind, jobId: entry.jobId }, stub))).toBe('not_your_image');
    }
    expect(startJob).not.toHaveBeenCalled();
    expect(membership.check).not.toHaveBeenCalled();
  });

  it('is refused when the image\'s server is not one the operator serves', async () => {
    const { stub, startJob } = services(false);
    expect(await refusalOf(imageLoop.button(dmPress(entry.userId), { kind: 'reroll', jobId: entry.jobId }, stub))).toBe('guild_not_enabled');
    expect(startJob).not.toHaveBeenCalled();
  });
});
