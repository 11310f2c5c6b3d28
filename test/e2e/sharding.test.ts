import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardClientUtil } from 'discord.js';
import { FakeDiscord, type FakeUserSpec } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess, type LogLine } from '../helpers/bot-process.js';
import { redisTestUrl } from '../helpers/redis.js';
import { ownRedisServer, type OwnRedisServer } from '../helpers/redis-server.js';
import { guildsOnShards, shardedImagine, type ShardedGuild } from '../helpers/sharded-guilds.js';
import { alive } from '../helpers/pids.js';
import { freePort } from '../helpers/ports.js';

const SHARDS = 2;
const HMAC_KEY = 'test-hmac-key-123';
/** One server on shard 0, one on shard 1. */
const GUILDS = guildsOnShards(2, 150_000_000_000n) as [ShardedGuild, ShardedGuild];
const MEMBER: FakeUserSpec = { id: '1600000000000000001', username: 'painter' };

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The bot started with SHARDS=2 against fakes and a Redis of its own, with every pid it ever ran. */
interface ShardedBot {
  bot: BotProcess;
  startedInMs: number;
  /** pid of the shard process that logged 'connected to Discord' for shard id (latest first). */
  shardPids(shard: number): number[];
  allPids(): number[];
}

async function startShardedBot(env: Record<string, string>): Promise<ShardedBot> {
  const started = Date.now();
  const bot = startBotProcess({ ...env, SHARDS: String(SHARDS) });
  const connected = (line: LogLine) => line.msg === 'connected to Discord';
  const shardPids = (shard: number) =>
    bot.logs
      .filter((line) => connected(line) && Array.isArray(line['shards']) && (line['shards'] as unknown[]).includes(shard))
      .map((line) => Number(line['pid']))
      .reverse();
  const allPids = () => [...new Set(bot.logs.map((line) => Number(line['pid'])).filter((pid) => Number.isInteger(pid) && pid > 0))];
  await bot.waitForLog((line) => line.msg === 'all shards started', 45_000);
  // Each shard writes its own lines to the shared stdout; they can arrive after the manager's.
  for (const shard of [0, 1]) {
    await bot.waitForLog((line) => connected(line) && Array.isArray(line['shards']) && (line['shards'] as unknown[]).includes(shard), 10_000);
  }
  return { bot, startedInMs: Date.now() - started, shardPids, allPids };
}

async function killAll(sharded: ShardedBot | undefined): Promise<void> {
  if (!sharded) return;
  for (const pid of sharded.allPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await sharded.bot.kill('SIGKILL');
}

describe.skipIf(!redisTestUrl())('sharding: SHARDS=2 under the ShardingManager, one Redis store', () => {
  let discord: FakeDiscord;
  let kie: FakeKie;
  let database: OwnRedisServer;
  let env: Record<string, string>;
  let sharded: ShardedBot | undefined;

  beforeAll(async () => {
    expect(GUILDS.map((guild) => ShardClientUtil.shardIdForGuildId(guild.id, SHARDS))).toEqual([0, 1]);
    database = await ownRedisServer();
    discord = await FakeDiscord.start({
      shards: SHARDS,
      maxConcurrency: SHARDS,
      now: Date.now,
      guilds: GUILDS.map((guild, index) => ({ id: guild.id, name: `guild ${index}`, channels: [{ id: guild.channel, name: 'general' }] })),
    });
    kie = await FakeKie.start({ hmacKey: HMAC_KEY, defaultScenario: { durationMs: 800 } });
    const port = await freePort();
    env = {
      ...fakeServicesEnv(discord, kie),
      STORAGE_URL: database.url,
      QUOTA_DAILY: '3',
      // The manager owns the callback port and forwards wake-ups to the shards.
      CALLBACK_URL: `http://127.0.0.1:${port}/kie/callback`,
      CALLBACK_PORT: String(port),
      CALLBACK_HOST: '127.0.0.1',
      WEBHOOK_HMAC_KEY: HMAC_KEY,
    };
    sharded = await startShardedBot(env);
    console.log(`SHARDS=2: manager start → 'all shards started' in ${sharded.startedInMs} ms`);
  }, 60_000);

  afterAll(async () => {
    await killAll(sharded);
    await Promise.all([discord?.close(), kie?.close()]);
    await database?.stop();
  });

  const { imagine, createsWith, imagesIn } = shardedImagine(() => ({ discord, kie }), GUILDS, MEMBER);

  it('connects both shards, each in its own process, and registers the commands once', async () => {
    const { bot, shardPids } = sharded!;
    await discord.waitForReady(10_000);
    expect(discord.connectedShards().sort()).toEqual([0, 1]);
    const [shard0] = shardPids(0);
    const [shard1] = shardPids(1);
    expect(shard0).toBeGreaterThan(0);
    expect(shard1).toBeGreaterThan(0);
    expect(new Set([shard0, shard1, bot.child.pid]).size).toBe(3);
    const starting = bot.logs.filter((line) => line.msg === 'shard starting').map((line) => line['shard']);
    expect(starting).toEqual([0, 1]);

    await bot.waitForLog((line) => line.msg === 'commands registered', 10_000);
    expect(discord.commands().map((command) => command.name).sort()).toEqual(['Edit image', 'blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings']);
    const puts = discord.requests.filter((request) => request.method === 'PUT' && request.path.endsWith('/commands'));
    expect(puts).toHaveLength(1);
    const registrations = bot.logs.filter((line) => line.msg === 'commands registered' || line.msg === 'commands already registered');
    expect(registrations.map((line) => line['pid'])).toEqual([shard0]);
  });

  it('serves /imagine in a guild of each shard, from that shard’s process', async () => {
    const { bot, shardPids } = sharded!;
    const interactions = [imagine(0, 'a harbour at dawn (guild 0)'), imagine(1, 'a mill in rain (guild 1)')];
    const started = Date.now();
    await Promise.all(interactions.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000)));
    // KIE's callbacks reach the manager, which wakes the shards: no 15 s safety-net poll was needed.
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const [index, guild] of GUILDS.entries()) {
      const received = bot.logs.find((line) => line.msg === 'imagine received' && line['guildId'] === guild.id);
      expect(received?.['pid']).toBe(shardPids(index)[0]);
      expect(createsWith(`(guild ${index})`)).toHaveLength(1);
      expect(imagesIn(interactions[index]!)).toBe(1);
    }
    expect(kie.callbacks.filter((callback) => callback.status === 200)).toHaveLength(2);
  });

  it('holds QUOTA_DAILY=3 per guild when a member fires 10 /imagine at once in each', async () => {
    const member: FakeUserSpec = { id: '1600000000000000002', username: 'eager' };
    const interactions = GUILDS.flatMap((_, guildIndex) =>
      Array.from({ length: 10 }, (_, n) => imagine(guildIndex, `burst ${n} [g${guildIndex}]`, member)),
    );
    await Promise.all(interactions.map((interaction) => interaction.waitForResponse(5_000)));
    await waitUntil(() => interactions.filter((interaction) => imagesIn(interaction) === 1).length === 6, 15_000, 'six images delivered');
    expect(createsWith('[g0]')).toHaveLength(3);
    expect(createsWith('[g1]')).toHaveLength(3);
    for (const guildIndex of [0, 1]) {
      const ofGuild = interactions.slice(guildIndex * 10, guildIndex * 10 + 10);
      expect(ofGuild.filter((interaction) => imagesIn(interaction) === 1)).toHaveLength(3);
      expect(ofGuild.filter((interaction) => interaction.isEphemeral())).toHaveLength(7);
    }
  });

  it('respawns a killed shard, which resumes its job from the ledger and delivers it once', async () => {
    const { bot, shardPids } = sharded!;
    const [victim] = shardPids(1);
    const [survivor] = shardPids(0);
    kie.nextCreate({ scenario: { durationMs: 7_000 } });
    const prompt = 'a lantern in a cave (guild 1)';
    const interaction = imagine(1, prompt);
    await kie.waitFor(() => createsWith(prompt)[0]?.taskId !== undefined, 10_000);
    const taskId = createsWith(prompt)[0]!.taskId!;
    const created = await bot.waitForLog((line) => line.msg === 'task created' && line['taskId'] === taskId, 5_000);
    expect(created['pid']).toBe(victim);
    // 'task created' is logged just before the task id reaches the ledger; the first poll comes after it.
    await kie.waitFor(() => kie.polls.some((poll) => poll.taskId === taskId), 5_000);
    process.kill(victim!, 'SIGKILL');
    const killedAt = Date.now();

    await waitUntil(() => shardPids(1).length === 2, 20_000, 'shard 1 back');
    const respawned = shardPids(1)[0]!;
    console.log(`shard 1 respawned and reconnected ${Date.now() - killedAt} ms after SIGKILL`);
    expect(respawned).not.toBe(victim);
    expect(alive(victim!)).toBe(false);
    await bot.waitForLog((line) => line.msg === 'resuming job' && line['taskId'] === taskId && line['pid'] === respawned, 10_000);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    // The job ends in the respawned shard; a duplicate would need a second runner of the same job.
    await bot.waitForLog((line) => line.msg === 'image delivered' && line['taskId'] === taskId && line['pid'] === respawned, 10_000);
    expect(bot.logs.filter((line) => line.msg === 'image delivered' && line['taskId'] === taskId)).toHaveLength(1);
    expect(imagesIn(interaction)).toBe(1);
    expect(discord.channelMessages(GUILDS[1].channel).filter((message) => message.attachments.length > 0)).toHaveLength(0);
    expect(createsWith(prompt)).toHaveLength(1);
    // The other shard was left alone, and the commands were not registered again.
    expect(shardPids(0)).toEqual([survivor]);
    expect(alive(survivor!)).toBe(true);
    expect(discord.requests.filter((request) => request.method === 'PUT' && request.path.endsWith('/commands'))).toHaveLength(1);
  }, 45_000);

  it('SIGTERM to the manager ends every shard within 10 s and leaves nothing running', async () => {
    const { bot, allPids } = sharded!;
    const pids = allPids();
    expect(pids.length).toBeGreaterThanOrEqual(4); // manager, shard 0, shard 1 and its respawn
    const started = Date.now();
    const exitCode = await bot.kill('SIGTERM');
    await waitUntil(() => pids.every((pid) => !alive(pid)), 10_000 - (Date.now() - started), 'every process gone');
    console.log(`SIGTERM → all ${pids.length} processes gone in ${Date.now() - started} ms`);
    expect(exitCode).toBe(0);
    // Lines can still be in the pipe when the processes are gone.
    await expect.poll(() => bot.logs.filter((line) => line.msg.startsWith('shutting down')).length).toBeGreaterThanOrEqual(3);
  });

  it('shards do not outlive a manager that was killed outright', async () => {
    const second = await startShardedBot(env);
    sharded = second;
    const shards = [second.shardPids(0)[0]!, second.shardPids(1)[0]!];
    expect(shards.every(alive)).toBe(true);
    const started = Date.now();
    await second.bot.kill('SIGKILL');
    // Orphaned shards would keep answering Discord beside the next manager's shards: they must stop too.
    await waitUntil(() => shards.every((pid) => !alive(pid)), 10_000, 'orphaned shards gone');
    console.log(`manager SIGKILL → shards gone in ${Date.now() - started} ms`);
  }, 45_000);
});
