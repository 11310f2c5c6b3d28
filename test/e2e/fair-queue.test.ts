import { describe, expect } from 'vitest';
import type { FakeInteraction, FakeUserSpec } from '../fakes/discord/index.js';
import { FakeDiscord } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { memberCommands, type BotRig } from '../helpers/bot-rig.js';
import { CHANNEL_ID, GUILD_ID, MEMBER } from '../helpers/harness.js';
import { it } from '../helpers/fixtures.js';
import { ownRedisServer } from '../helpers/redis-server.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { person } from '../helpers/ids.js';

/**
 * One member sends 40 requests at once; a second later ten other members send one each. KIE takes 20
 * createTask per 10 s (the fake enforces it), so the first member's requests fill the window that is free when
 * they arrive; from then on every slot goes to the waiting job whose member started the fewest tasks in the
 * last ten minutes, so the ten others all get theirs before the first member's 21st.
 */

const HEAVY = person('heavy');
const LIGHT: FakeUserSpec[] = Array.from({ length: 10 }, (_, i) => ({ id: `13100000000000001${String(i).padStart(2, '0')}`, username: `light${i}` }));
const ENV = { QUOTA_DAILY: '100', MAX_ACTIVE_PER_MEMBER: '100' };
/** Status edits of 50 waiting jobs at the harness's usual 200 ms would load the test process itself. */
const TUNING = { progressIntervalMs: 1_000 };
/** How far apart two requests granted together may reach KIE in the wrong order (see expectFairOrder). */
const SWAP_SLACK_MS = 250;

/** Sends one /imagine to a bot (in this process or another) through its fake Discord. */
type Imagine = BotRig['imagine'];

interface Sent {
  interaction: FakeInteraction;
  prompt: string;
  sentAt: number;
}

/** The accepted creates' prompts, in the order KIE took them, with when. */
function acceptedPrompts(kie: FakeKie): Array<{ prompt: string; at: number }> {
  return kie.creates
    .filter((call) => call.taskId !== undefined)
    .map((call) => ({ prompt: (call.body as { input: { prompt: string } }).input.prompt, at: call.at }));
}

/** The heavy member's 40 requests go to `heavyBot`; the ten light members' go round `lightBots`. */
async function expectFairOrder(kie: FakeKie, heavyBot: Imagine, lightBots: readonly Imagine[], label: string): Promise<void> {
  const heavy: Sent[] = Array.from({ length: 40 }, (_, i) => ({ prompt: `heavy ${i}`, sentAt: Date.now(), interaction: heavyBot({ prompt: `heavy ${i}`, user: HEAVY }) }));
  await kie.waitFor(() => acceptedPrompts(kie).length >= 20, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const light: Sent[] = LIGHT.map((user, i) => {
    const imagine = lightBots[i % lightBots.length]!;
    return { prompt: `light ${i}`, sentAt: Date.now(), interaction: imagine({ prompt: `light ${i}`, user }) };
  });
  // The ten light creates and the heavy member's 21st.
  const count = (prefix: string) => acceptedPrompts(kie).filter((create) => create.prompt.startsWith(prefix)).length;
  await kie.waitFor(() => count('light') >= 10 && count('heavy') >= 21, 30_000);
  const order = acceptedPrompts(kie);
  const heavy21st = order.filter((create) => create.prompt.startsWith('heavy'))[20]!;
  const lightCreates = order.filter((create) => create.prompt.startsWith('light'));
  const figures = light.map((sent) => {
    const created = order.find((create) => create.prompt === sent.prompt);
    return created === undefined ? 'none' : `${((created.at - sent.sentAt) / 1000).toFixed(1)} s`;
  });
  console.info(`[fair-queue ${label}] the ten light members' createTask after their request: ${figures.join(', ')}; heavy's 21st at +${((heavy21st.at - heavy[0]!.sentAt) / 1000).toFixed(1)} s`);

  expect(order.slice(0, 20).every((create) => create.prompt.startsWith('heavy'))).toBe(true);
  expect(lightCreates).toHaveLength(10);
  // When the window reopens, several slots free within milliseconds and the jobs granted them send their
  // requests together: the grant order is fair, but two requests granted a few ms apart may reach KIE swapped
  // (more so with two bots in one busy test process, or two processes each asking the store in turn). So a
  // light create may trail the 21st by that much.
  for (const create of lightCreates) expect(create.at).toBeLessThanOrEqual(heavy21st.at + SWAP_SLACK_MS);
  expect(kie.rejected429.create).toBe(0);
  // The light members each saw their place while they waited.
  for (const sent of light) {
    const places = sent.interaction.edits.map((edit) => edit.content).filter((content) => content.startsWith('⏳'));
    expect(places.length, sent.prompt).toBeGreaterThan(0);
    for (const place of places) expect(place).toMatch(/^⏳ Waiting for a free slot: \d+(st|nd|rd|th) in line, (about \d+ (s|min)|any moment now) · \d+s$/);
  }
}

describe('fair order for createTask slots', () => {
  it('on SQLite: after the free window, the ten others all start before the first member’s 21st', async ({ bot }) => {
    const h = await bot({ env: ENV, tuning: TUNING });
    await expectFairOrder(h.kie, h.imagine, [h.imagine], 'sqlite');
  }, 60_000);

  it('a restart while jobs wait keeps their places: the ledger keeps arrival, and the tasks it shows started still count', async ({ bot, defer, tempDir }) => {
    const discord = await FakeDiscord.start({ guilds: [{ id: GUILD_ID, name: 'Test guild', channels: [{ id: CHANNEL_ID, name: 'general' }] }] });
    defer(async () => {
      await discord.close();
      discord.assertConformingRequests();
    });
    // Tasks that never finish keep the first 20 in the ledger as started.
    const kie = await FakeKie.start({ defaultScenario: { outcome: 'never' } });
    defer(() => kie.close());
    const dir = await tempDir('fair-restart');
    const shared = { env: ENV, tuning: TUNING, sharedKie: kie, sharedDiscord: discord, storageUrl: `sqlite://${dir.file('bot.sqlite')}` };
    const before = await bot(shared);
    const heavy = Array.from({ length: 25 }, (_, i) => before.imagine({ prompt: `heavy ${String(i).padStart(2, '0')}`, user: HEAVY }));
    await kie.waitFor(() => acceptedPrompts(kie).length >= 20, 15_000);
    const light = LIGHT.slice(0, 3).map((user, i) => before.imagine({ prompt: `light ${i}`, user }));
    // Everyone still waiting has been told their place, so all are in the ledger.
    const started = new Set(acceptedPrompts(kie).map((create) => create.prompt));
    const waitingHeavy = heavy.filter((_, i) => !started.has(`heavy ${String(i).padStart(2, '0')}`));
    expect(waitingHeavy).toHaveLength(5);
    for (const interaction of [...waitingHeavy, ...light]) await interaction.waitForOriginal((message) => message.content.startsWith('⏳'), 5_000);
    const createsBefore = kie.creates.length;
    await before.close();

    const restartedAt = Date.now();
    await bot(shared);
    await kie.waitFor(() => acceptedPrompts(kie).length >= 28, 20_000);
    const after = acceptedPrompts(kie).slice(20);
    console.info(`[fair-queue restart] after the restart, the first create came ${((after[0]!.at - restartedAt) / 1000).toFixed(1)} s later: ${after.map((create) => create.prompt).join(', ')}`);
    // The three light members first (no starts), then the heavy member's five (20 starts in the last ten
    // minutes), up to requests granted together reaching KIE swapped.
    const firstHeavy = Math.min(...after.filter((create) => create.prompt.startsWith('heavy')).map((create) => create.at));
    const lights = after.filter((create) => create.prompt.startsWith('light'));
    expect(lights.map((create) => create.prompt).sort()).toEqual(['light 0', 'light 1', 'light 2']);
    for (const create of lights) expect(create.at).toBeLessThanOrEqual(firstHeavy + SWAP_SLACK_MS);
    expect(after.filter((create) => create.prompt.startsWith('heavy')).every((create) => !started.has(create.prompt))).toBe(true);
    // The restarted bot knew KIE's window was still full: it waited instead of being refused.
    expect(kie.rejected429.create).toBe(0);
    expect(kie.creates.length - createsBefore).toBe(8);
  }, 60_000);

  describe.skipIf(!redisTestUrl())('on Redis', () => {
    it('two bot processes share one fair line: the others, on either bot, start before the first member’s 21st', async ({ bot, defer }) => {
      const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
      defer(() => kie.close());
      const store = redisBotStorage(defer);
      const first = await bot({ env: ENV, tuning: TUNING, sharedKie: kie, ...store });
      const second = await bot({ env: ENV, tuning: TUNING, sharedKie: kie, ...store });
      await expectFairOrder(kie, first.imagine, [first.imagine, second.imagine], 'redis, two bots');
    }, 60_000);

    it('two bot OS processes, each with its own Discord, share one fair line: the others, on either process, start before the first member’s 21st', async ({ defer }) => {
      // The processes use the default key prefix: they get a Redis of their own.
      const database = await ownRedisServer();
      defer(() => database.stop());
      const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
      defer(() => kie.close());
      const discords = await Promise.all([0, 1].map(() => FakeDiscord.start({ guilds: [{ id: GUILD_ID, name: 'Test guild', channels: [{ id: CHANNEL_ID, name: 'general' }] }] })));
      for (const discord of discords)
        defer(async () => {
          await discord.close();
          discord.assertConformingRequests();
        });
      // TUNING has no environment variable: the processes keep the production status edits (every 5 s at
      // most, the first 1-2 s after the defer), which is fewer edits still, and the production poll planner.
      const bots: BotProcess[] = discords.map((discord) =>
        startBotProcess({ ...fakeServicesEnv(discord, kie), DISCORD_GUILD_ID: GUILD_ID, STORAGE_URL: database.url, ...ENV, LOG_LEVEL: 'info' }),
      );
      for (const bot of bots) defer(() => bot.kill('SIGKILL'));
      await Promise.all(discords.map((discord) => discord.waitForReady(30_000)));
      await Promise.all(bots.map((bot) => bot.waitForLog((line) => line.msg === 'commands registered', 30_000)));

      const [first, second] = discords.map((discord) => memberCommands(discord, { guildId: GUILD_ID, channelId: CHANNEL_ID, defaultUser: MEMBER }).imagine) as [Imagine, Imagine];
      await expectFairOrder(kie, first, [first, second], 'redis, two processes');
      // Both processes took part: A received the heavy member's 40 and five light requests, B the other five.
      const received = (bot: BotProcess) => bot.logs.filter((line) => line.msg === 'imagine received').length;
      await expect.poll(() => bots.map(received)).toEqual([45, 5]);
      for (const bot of bots) expect(await bot.kill('SIGTERM')).toBe(0);
    }, 120_000);
  });
});
