import { describe, expect } from 'vitest';
import { it } from '../helpers/fixtures.js';
import { expectSetButtons, hasImage, press } from '../helpers/image-loop.js';
import { redisTestUrl } from '../helpers/redis.js';
import { ownRedisServer } from '../helpers/redis-server.js';
import { CHANNEL_ID as CHANNEL, GUILD_ID as GUILD, MEMBER } from '../helpers/ids.js';
import { acceptedCreates, imageDeliveries } from '../helpers/restartable-bot.js';

interface CreateBody {
  model: string;
  input: Record<string, unknown>;
}

const STORES = [['SQLite', false], ...(redisTestUrl() ? [['Redis', true] as const] : [])] as const;

describe.each(STORES)('a 4-image set across a SIGKILL, on %s', (_store, onRedis) => {
  it('is delivered once, whole, by the next process, and all its buttons work there', async ({ restartableBot, defer }) => {
    let storageUrl: string | undefined;
    if (onRedis) {
      const redis = await ownRedisServer();
      defer(() => redis.stop());
      storageUrl = redis.url;
    }
    const rig = await restartableBot({
      // Long enough that the set cannot be done before the kill, even on a loaded machine.
      kie: { defaultScenario: { durationMs: 5_000 } },
      env: { QUOTA_DAILY: '20', MAX_ACTIVE_PER_MEMBER: '12' },
      ...(storageUrl === undefined ? {} : { storageUrl }),
    });
    const first = await rig.start();
    const interaction = rig.imagine({ prompt: 'four lanterns', count: 4 });
    // Killed once the ledger knows all four tasks, before the set's message went out. An image whose task
    // finished first waits in the ledger ('delivering') for the others, so both phases count.
    await expect.poll(() => acceptedCreates(rig.kie).length, { timeout: 15_000 }).toBe(4);
    const tasksInLedger = () =>
      rig.readStore(async (store) => store.jobs.filter((job) => (job.phase === 'watching' || job.phase === 'delivering') && job.set?.size === 4).map((job) => job.set?.index).sort());
    await expect.poll(tasksInLedger, { timeout: 10_000 }).toEqual([0, 1, 2, 3]);
    await first.kill('SIGKILL');
    expect(imageDeliveries(rig, interaction)).toEqual([]);
    rig.kie.setDefaultScenario({ durationMs: 1_000 });
    await rig.start();

    const set = await interaction.waitForOriginal((message) => message.attachments.length === 4, 30_000);
    expectSetButtons(set, 4);
    // No second task for any image, one message, the ledger empty, four units spent.
    expect(acceptedCreates(rig.kie)).toHaveLength(4);
    expect(imageDeliveries(rig, interaction).filter(hasImage)).toHaveLength(1);
    await expect.poll(() => rig.readStore(async (store) => store.jobs.length), { timeout: 10_000 }).toBe(0);
    expect(await rig.readStore((store) => store.used(MEMBER.id))).toBe(4);

    const third = set.attachments[2]!;
    const opener = press(rig.discord, set, 'Edit 3', MEMBER);
    expect((await opener.waitForResponse()).type).toBe(9);
    const edited = await rig.discord.submitModal(opener, { change: 'make it dusk' }).waitForOriginal(hasImage, 20_000);
    const upscaled = await press(rig.discord, set, 'Upscale 4', MEMBER).waitForOriginal(hasImage, 20_000);
    const rerolled = await press(rig.discord, set, 'Reroll', MEMBER).waitForOriginal((message) => message.attachments.length === 4, 30_000);
    expectSetButtons(rerolled, 4);
    const bodies = rig.kie.creates.filter((call) => call.taskId !== undefined).map((call) => call.body as CreateBody);
    expect(bodies.filter((body) => body.model === 'seedream/4.5-edit')).toEqual([
      { model: 'seedream/4.5-edit', input: { prompt: 'make it dusk', aspect_ratio: '1:1', quality: 'basic', image_urls: [rig.discord.attachmentUrl(CHANNEL, third)] } },
    ]);
    expect(bodies.filter((body) => body.model === 'topaz/image-upscale')).toEqual([
      { model: 'topaz/image-upscale', input: { image_url: rig.discord.attachmentUrl(CHANNEL, set.attachments[3]!), upscale_factor: '2' } },
    ]);
    expect(bodies.filter((body) => body.model === 'seedream/4.5-text-to-image')).toHaveLength(8);
    expect([edited, upscaled].every(hasImage)).toBe(true);

    const remove = press(rig.discord, set, 'Delete', MEMBER);
    expect((await remove.waitForResponse()).type).toBe(6);
    await expect.poll(() => rig.discord.findMessage(set.id), { timeout: 5_000 }).toBeUndefined();
    // The message goes first, then the set's history entries: /history is asked until they are gone.
    const historyText = async (): Promise<string> => {
      const history = rig.command('history', [], { user: MEMBER });
      await history.waitForResponse();
      return (history.original()!.embeds[0] as { description: string }).description;
    };
    // The set's images are gone from /history (the others still name it as their parent); the reroll's four stay.
    const opens = async (): Promise<{ set: number; rerolled: number }> => {
      const text = await historyText();
      const count = (messageId: string) => text.split(`[Open](https://discord.com/channels/${GUILD}/${CHANNEL}/${messageId})`).length - 1;
      return { set: count(set.id), rerolled: count(rerolled.id) };
    };
    await expect.poll(opens, { timeout: 5_000 }).toEqual({ set: 0, rerolled: 4 });
  }, 120_000);
});
