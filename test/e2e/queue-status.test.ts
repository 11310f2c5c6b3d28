import { describe, expect } from 'vitest';
import { utcDay } from '../../src/quota/day.js';
import type { FakeUserSpec } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { GUILD_ID, MEMBER, type Harness } from '../helpers/harness.js';
import { hasImage } from '../helpers/image-loop.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { person } from '../helpers/ids.js';

/** What a member sees of the queue: the cap on images in progress, and /quota's list of them. */

const OTHER = person('other');
const used = (h: Harness, user: FakeUserSpec): Promise<number> => h.storage.counters.used({ guildId: GUILD_ID, userId: user.id, day: utcDay(Date.now()) });

async function quotaText(h: Harness, user: FakeUserSpec = MEMBER): Promise<string> {
  const reply = await firstReply(h.command('quota', [], { user }));
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.ephemeral).toBe(true);
  return reply.content;
}

describe('MAX_ACTIVE_PER_MEMBER', () => {
  it('refuses a 5th image in progress privately, saying how many, and reserves nothing; another member is not held back', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '20' }, kie: { defaultScenario: { outcome: 'never' } } });
    const four = Array.from({ length: 4 }, (_, i) => h.imagine({ prompt: `mine ${i}` }));
    for (const reply of await Promise.all(four.map((interaction) => firstReply(interaction)))) expect(reply.type).toBe(CALLBACK_DEFERRED);
    const fifth = await firstReply(h.imagine({ prompt: 'one too many' }));
    expect(fifth.type).toBe(CALLBACK_MESSAGE);
    expect(fifth.ephemeral).toBe(true);
    expect(fifth.content).toBe(
      'You have 4 images in progress in this server, the most you can have at once (4). Wait for one to finish, or cancel one that is still waiting, then try again. Nothing was counted.',
    );
    expect(await used(h, MEMBER)).toBe(4);
    expect((await firstReply(h.imagine({ prompt: 'theirs', user: OTHER }))).type).toBe(CALLBACK_DEFERRED);

    // Once one is done, the member may ask again.
    await h.kie.waitFor(() => h.kie.creates.filter((call) => call.taskId !== undefined).length === 5, 10_000);
    const mine = h.kie.creates.find((call) => (call.body as { input: { prompt: string } }).input.prompt === 'mine 0')!;
    h.kie.completeTask(mine.taskId!);
    await four[0]!.waitForOriginal(hasImage, 10_000);
    await h.kie.waitFor(() => h.app.jobs.inFlightFor(GUILD_ID, MEMBER.id) === 3);
    expect((await firstReply(h.imagine({ prompt: 'again' }))).type).toBe(CALLBACK_DEFERRED);
  }, 30_000);

  it('a burst from one member passes the cap no further, however the presses interleave', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '50', MAX_ACTIVE_PER_MEMBER: '3' }, kie: { defaultScenario: { outcome: 'never' } } });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => firstReply(h.imagine({ prompt: `burst ${i}` }), 10_000)));
    expect(replies.filter((reply) => reply.type === CALLBACK_DEFERRED)).toHaveLength(3);
    const refused = replies.filter((reply) => reply.type === CALLBACK_MESSAGE);
    expect(refused).toHaveLength(17);
    for (const reply of refused) expect(reply.content).toMatch(/^You have 3 images in progress in this server, the most you can have at once \(3\)\./);
    expect(await used(h, MEMBER)).toBe(3);
  }, 30_000);
});

describe('/quota lists the member’s images in progress', () => {
  it('with the state of each: started at KIE, or waiting with its place in line', async ({ bot }) => {
    // One createTask slot per minute: the first job starts, the second waits.
    const kieBudgets = { createLimit: { limit: 1, windowMs: 60_000 } };
    const h = await bot({ tuning: { kieBudgets }, kie: { defaultScenario: { outcome: 'never' } } });
    expect(await quotaText(h)).not.toContain('In progress');
    h.imagine({ prompt: 'a red *kite*' });
    await h.kie.waitFor(() => h.kie.creates.some((call) => call.taskId !== undefined));
    const second = h.imagine({ prompt: 'a blue `boat` over <@123>' });
    await second.waitForOriginal((message) => message.content.startsWith('⏳'), 5_000);
    const text = await quotaText(h);
    const lines = text.split('\n');
    expect(lines).toContain('**In progress:** 2 images.');
    expect(lines.find((line) => line.includes('kite'))).toMatch(/^• “a red \\\*kite\\\*”: (queued at the image service|generating|sending your prompt)$/);
    expect(lines.find((line) => line.includes('boat'))).toMatch(/^• “a blue \\`boat\\` over \\<\\@123\\>”: waiting for a free slot, 1st in line, about \d+ (s|min)$/);
    // Someone else's /quota lists none of them.
    expect(await quotaText(h, OTHER)).not.toContain('In progress');
  }, 20_000);
});
