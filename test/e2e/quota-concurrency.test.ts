import { describe, expect } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { utcDay } from '../../src/quota/day.js';
import { FakeDiscord, type FakeInteraction } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { it } from '../helpers/fixtures.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { ownRedisServer } from '../helpers/redis-server.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply, quantile, type FirstReply } from '../helpers/replies.js';
import { jobsIdle } from '../helpers/jobs.js';

const AT_ONCE = 50;
const LEFT = 3;
const ACK_DEADLINE_MS = 3000;
/** The quota alone decides here: MAX_ACTIVE_PER_MEMBER (tested in member-cap.test.ts) would refuse most of the 50 first. */
const NO_MEMBER_CAP = { MAX_ACTIVE_PER_MEMBER: String(AT_ONCE) };

const imagineOptions = (index: number) => [{ name: 'prompt', type: 3, value: `race ${index}` }];

/**
 * Checks the outcome of 50 simultaneous /imagine from one member with 3 units left: exactly 3 deferred
 * (public), 47 private refusals that name the used-up quota, every answer accepted within Discord's 3 s.
 */
async function expectThreeOfFifty(interactions: FakeInteraction[], label: string): Promise<FirstReply[]> {
  const replies = await Promise.all(interactions.map((interaction) => firstReply(interaction, 15_000)));
  const latencies = replies.map((reply) => reply.latencyMs);
  console.info(
    `[${label}] ${AT_ONCE} at once: ack latency p50 ${quantile(latencies, 0.5).toFixed(0)} ms, ` +
      `p90 ${quantile(latencies, 0.9).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  const deferred = replies.filter((reply) => reply.type === CALLBACK_DEFERRED);
  const refused = replies.filter((reply) => reply.type === CALLBACK_MESSAGE);
  expect(deferred).toHaveLength(LEFT);
  expect(deferred.every((reply) => !reply.ephemeral)).toBe(true);
  expect(refused).toHaveLength(AT_ONCE - LEFT);
  for (const reply of refused) {
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain(`(${LEFT}/${LEFT})`);
  }
  // Every callback reached Discord within the deadline (a late one is answered 404 Unknown interaction).
  for (const reply of replies) {
    expect(reply.status).toBeLessThan(300);
    expect(reply.latencyMs).toBeLessThan(ACK_DEADLINE_MS);
  }
  return replies;
}

/** Waits until `count` tasks exist and the jobs have ended, then checks no other task was created. */
async function expectTasks(kie: FakeKie, count: number, idle: () => Promise<void>): Promise<void> {
  await kie.waitFor(() => kie.creates.length >= count, 10_000);
  await idle();
  expect(kie.creates).toHaveLength(count);
}

describe('50 concurrent /imagine from one member with 3 units left create exactly 3 tasks', () => {
  const withLeft = (options: HarnessOptions): HarnessOptions => ({ ...options, env: { QUOTA_DAILY: String(LEFT), ...NO_MEMBER_CAP, ...options.env } });

  const fiftyAtOnce = (h: Harness) => Array.from({ length: AT_ONCE }, (_, index) => h.imagine({ prompt: `race ${index}` }));

  it('SQLite, one bot', async ({ bot }) => {
    const h = await bot(withLeft({}));
    await expectThreeOfFifty(fiftyAtOnce(h), 'sqlite');
    await expectTasks(h.kie, LEFT, () => jobsIdle(h.app.jobs));
    expect(await h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(LEFT);
  });

  describe.skipIf(!redisTestUrl())('Redis', () => {
    it('Redis, one bot', async ({ bot, defer }) => {
      const h = await bot(withLeft(redisBotStorage(defer)));
      await expectThreeOfFifty(fiftyAtOnce(h), 'redis');
      await expectTasks(h.kie, LEFT, () => jobsIdle(h.app.jobs));
      expect(await h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(LEFT);
    });

    it('Redis, two bot processes sharing it, 25 commands each', async ({ defer }) => {
      // The processes use the default key prefix: they get a Redis of their own.
      const database = await ownRedisServer();
      defer(() => database.stop());
      const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
      defer(() => kie.close());
      const discords = await Promise.all(
        [0, 1].map(() => FakeDiscord.start({ guilds: [{ id: GUILD_ID, channels: [{ id: CHANNEL_ID }] }] })),
      );
      for (const discord of discords) defer(() => discord.close());

      const bots: BotProcess[] = discords.map((discord) =>
        startBotProcess({
          ...fakeServicesEnv(discord, kie),
          DISCORD_GUILD_ID: GUILD_ID,
          STORAGE_URL: database.url,
          QUOTA_DAILY: String(LEFT),
          ...NO_MEMBER_CAP,
          LOG_LEVEL: 'info',
        }),
      );
      for (const bot of bots) defer(() => bot.kill('SIGKILL'));
      await Promise.all(discords.map((discord) => discord.waitForReady(20_000)));
      await Promise.all(bots.map((bot) => bot.waitForLog((line) => line.msg === 'commands registered', 20_000)));

      const interactions = discords.flatMap((discord) =>
        Array.from({ length: AT_ONCE / 2 }, (_, index) =>
          discord.dispatchInteraction({ commandName: 'imagine', options: imagineOptions(index), guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER }),
        ),
      );
      await expectThreeOfFifty(interactions, 'redis, 2 processes');
      // Both processes took part: each received its own 25.
      for (const bot of bots) await expect.poll(() => bot.logs.filter((line) => line.msg === 'imagine received').length).toBe(AT_ONCE / 2);

      await kie.waitFor(() => kie.creates.length >= LEFT, 10_000);
      const delivered = interactions.filter((interaction) => interaction.responses[0]?.type === CALLBACK_DEFERRED);
      await Promise.all(delivered.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000)));
      expect(kie.creates).toHaveLength(LEFT);
      const shared = await openStorage(database.url);
      try {
        expect(await shared.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(LEFT);
      } finally {
        await shared.close();
      }
      for (const bot of bots) expect(await bot.kill('SIGTERM')).toBe(0);
    });
  });
});
