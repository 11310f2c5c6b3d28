import { ShardClientUtil } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/storage/redis.js';
import type { RedisClient } from '../../src/storage/redis-client.js';
import { FakeDiscord, type FakeUserSpec } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess, type LogLine } from '../helpers/bot-process.js';
import { guildsOnShards, shardedImagine, type ShardedGuild } from '../helpers/sharded-guilds.js';
import { alive, waitUntilGone } from '../helpers/pids.js';
import { freePort } from '../helpers/ports.js';
import { redisTestUrl } from '../helpers/redis.js';
import { ownRedisServer, type OwnRedisServer } from '../helpers/redis-server.js';
import { MEMBER } from '../helpers/ids.js';

/**
 * Two machines on one Redis, as two managers with disjoint SHARD_LISTs (real OS processes, one shard each):
 * machine A runs shard 0, machine B shard 1, of SHARD_COUNT=2. KIE calls back to A's receiver only (one public
 * CALLBACK_URL), so B's tasks are woken through Redis.
 */

const HMAC_KEY = 'test-hmac-key-123';
/** One server on shard 0, one on shard 1. */
const GUILDS = guildsOnShards(2, 155_000_000_000n) as [ShardedGuild, ShardedGuild];
const KIE_CREATES_PER_10_S = 20;
const KIE_POLLS_PER_S = 10;

/** One machine: its manager process and every shard process it ran (known from their log lines). */
interface Machine {
  bot: BotProcess;
  pids(): number[];
  logsWith(msg: string): LogLine[];
}

function startMachine(env: Record<string, string>): Machine {
  const bot = startBotProcess(env);
  return {
    bot,
    pids: () => [...new Set(bot.logs.map((line) => Number(line['pid'])).filter((pid) => Number.isInteger(pid) && pid > 0))],
    logsWith: (msg) => bot.logs.filter((line) => line.msg === msg),
  };
}

async function started(machine: Machine): Promise<Machine> {
  await machine.bot.waitForLog((line) => line.msg === 'all shards started', 45_000);
  await machine.bot.waitForLog((line) => line.msg === 'connected to Discord', 10_000);
  return machine;
}

/** The machine dies outright: manager and shard processes, no chance to park or release anything. */
async function killMachine(machine: Machine | undefined): Promise<void> {
  if (!machine) return;
  const pids = machine.pids();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await machine.bot.kill('SIGKILL');
  await waitUntilGone(pids, 5_000);
}

/** The most requests in any window of `windowMs` (sorted times). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe.skipIf(!redisTestUrl())('several machines on one Redis: SHARD_COUNT=2, machine A runs shard 0, machine B shard 1', () => {
  let database: OwnRedisServer;
  let redis: RedisClient;
  let discord: FakeDiscord;
  let kie: FakeKie;
  let envA: Record<string, string>;
  let envB: Record<string, string>;
  let callbackUrl: string;
  let healthPortB: number;
  const machines: { a?: Machine; b?: Machine } = {};

  beforeAll(async () => {
    expect(GUILDS.map((guild) => ShardClientUtil.shardIdForGuildId(guild.id, 2))).toEqual([0, 1]);
    database = await ownRedisServer();
    redis = await connectRedis(database.url);
    discord = await FakeDiscord.start({
      shards: 2,
      maxConcurrency: 2,
      now: Date.now,
      guilds: GUILDS.map((guild, index) => ({ id: guild.id, name: `guild ${index}`, channels: [{ id: guild.channel, name: 'general' }] })),
    });
    kie = await FakeKie.start({ hmacKey: HMAC_KEY, defaultScenario: { durationMs: 800 } });
    const [portA, portB] = [await freePort(), await freePort()];
    healthPortB = await freePort();
    callbackUrl = `http://127.0.0.1:${portA}/kie/callback`;
    const shared = {
      ...fakeServicesEnv(discord, kie),
      STORAGE_URL: database.url,
      QUOTA_DAILY: '3',
      SHARD_COUNT: '2',
      // One public callback URL for both machines, which reaches A.
      CALLBACK_URL: callbackUrl,
      CALLBACK_HOST: '127.0.0.1',
      WEBHOOK_HMAC_KEY: HMAC_KEY,
    };
    envA = { ...shared, SHARD_LIST: '0', MACHINE_ID: 'machine-a', CALLBACK_PORT: String(portA) };
    envB = { ...shared, SHARD_LIST: '1', MACHINE_ID: 'machine-b', CALLBACK_PORT: String(portB), HEALTH_PORT: String(healthPortB) };
    machines.a = startMachine(envA);
    machines.b = startMachine(envB);
    await Promise.all([started(machines.a), started(machines.b)]);
  }, 60_000);

  afterAll(async () => {
    await killMachine(machines.a);
    await killMachine(machines.b);
    await redis?.close();
    await Promise.all([discord?.close(), kie?.close()]);
    await database?.stop();
    discord?.assertConformingRequests();
  });

  const { imagine, createsWith, imagesIn } = shardedImagine(() => ({ discord, kie }), GUILDS, MEMBER);
  const received = (machine: Machine, guildIndex: number) => machine.logsWith('imagine received').filter((line) => line['guildId'] === GUILDS[guildIndex]!.id);
  const claimOf = async (shard: number) => {
    const value = await redis.get(`imagine:shards:${shard}`);
    return value === null ? null : (JSON.parse(value.slice(value.indexOf(':') + 1)) as { machine: string }).machine;
  };
  /** A task whose createTask carried this prompt, once KIE has answered it. */
  const taskOf = async (prompt: string): Promise<string> => {
    await kie.waitFor(() => createsWith(prompt)[0]?.taskId !== undefined, 10_000);
    return createsWith(prompt)[0]!.taskId!;
  };

  /** A job in server n whose KIE task takes `durationMs`, once the machine created the task and polled it (it is in the ledger, watched). */
  const watchedJob = async (machine: Machine, guildIndex: number, prompt: string, durationMs: number) => {
    kie.nextCreate({ scenario: { durationMs } });
    const interaction = imagine(guildIndex, prompt);
    const taskId = await taskOf(prompt);
    await machine.bot.waitForLog((line) => line.msg === 'task created' && line['taskId'] === taskId, 5_000);
    // 'task created' is logged just before the task id reaches the ledger; the first poll comes after it.
    await kie.waitFor(() => kie.polls.some((poll) => poll.taskId === taskId), 5_000);
    return { interaction, taskId };
  };

  it('each machine connects only its shard and claims it; the commands are registered once, by the machine with shard 0', async () => {
    const { a, b } = machines as Required<typeof machines>;
    await discord.waitForReady(10_000);
    expect(discord.connectedShards()).toEqual([0, 1]);
    expect(a.logsWith('shard starting').map((line) => line['shard'])).toEqual([0]);
    expect(b.logsWith('shard starting').map((line) => line['shard'])).toEqual([1]);
    expect([await claimOf(0), await claimOf(1)]).toEqual(['machine-a', 'machine-b']);
    expect(await redis.pTTL('imagine:shards:1')).toBeGreaterThan(5_000);
    await a.bot.waitForLog((line) => line.msg === 'commands registered', 10_000);
    expect(discord.requests.filter((request) => request.method === 'PUT' && request.path.endsWith('/commands'))).toHaveLength(1);
    expect(b.logsWith('commands registered')).toEqual([]);
    // B's /healthz answers for its own shard only.
    const health = (await (await fetch(`http://127.0.0.1:${healthPortB}/healthz`)).json()) as { status: string; shards: Array<{ shard: number; status: string }> };
    expect(health).toMatchObject({ status: 'ok', shards: [{ shard: 1, status: 'ok' }] });
  });

  it('serves /imagine in a guild of each machine’s shard once: one createTask each, from that machine', async () => {
    const { a, b } = machines as Required<typeof machines>;
    const interactions = [imagine(0, 'a harbour at dawn (guild 0)'), imagine(1, 'a mill in rain (guild 1)')];
    await Promise.all(interactions.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000)));
    for (const [index, machine] of [a, b].entries()) {
      const other = index === 0 ? b : a;
      expect(received(machine, index)).toHaveLength(1);
      expect(received(other, index)).toHaveLength(0);
      expect(createsWith(`(guild ${index})`)).toHaveLength(1);
      expect(imagesIn(interactions[index]!)).toBe(1);
    }
  });

  it('a callback posted to machine A wakes the task machine B watches within 1 s', async () => {
    const { a, b } = machines as Required<typeof machines>;
    // Long enough that the safety-net poll (15 s apart) cannot be what finds it.
    kie.nextCreate({ scenario: { durationMs: 2_500 } });
    const prompt = 'a kite over dunes (guild 1)';
    const interaction = imagine(1, prompt);
    const taskId = await taskOf(prompt);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    const callback = kie.callbacks.find((delivery) => delivery.taskId === taskId)!;
    expect(callback.url).toBe(callbackUrl);
    expect(callback.status).toBe(200);
    await a.bot.waitForLog((line) => line.msg === 'callback received' && line['taskId'] === taskId && line['decision'] === 'wake', 2_000);
    const pollAfter = kie.polls.find((poll) => poll.taskId === taskId && poll.at >= callback.at);
    expect(pollAfter).toBeDefined();
    console.info(`[machines] callback to A → B's recordInfo for its task ${pollAfter!.at - callback.at} ms later`);
    expect(pollAfter!.at - callback.at).toBeLessThan(1_000);
    await b.bot.waitForLog((line) => line.msg === 'image delivered' && line['taskId'] === taskId, 5_000);
    expect(a.logsWith('image delivered').filter((line) => line['taskId'] === taskId)).toEqual([]);
  });

  it('refuses, in one line, a machine whose SHARD_LIST overlaps a live one, a different SHARD_COUNT, a list outside the count, or SQLite', async () => {
    const refusals = await Promise.all(
      [
        { SHARD_LIST: '0-1', MACHINE_ID: 'machine-c' },
        { SHARD_COUNT: '4', SHARD_LIST: '2,3', MACHINE_ID: 'machine-d' },
        { SHARD_LIST: '2', MACHINE_ID: 'machine-e' },
        { SHARD_LIST: '1', STORAGE_URL: 'sqlite://unused.sqlite', MACHINE_ID: 'machine-f' },
      ].map(async (own) => {
        const bot = startBotProcess({ ...envB, CALLBACK_PORT: String(await freePort()), HEALTH_PORT: String(await freePort()), ...own });
        const code = await bot.exited;
        return { code, stderr: bot.stderr, started: bot.logs.filter((line) => line.msg === 'shard starting').length };
      }),
    );
    expect(refusals.map((refusal) => refusal.stderr)).toEqual([
      ['imagine: SHARD_LIST: shard 0 is already run by machine "machine-a", which is live: give each machine its own shards (SHARD_LIST 0-1 overlaps it)'],
      ['imagine: SHARD_COUNT is 4, but the machines running on this Redis use 2: every machine needs the same SHARD_COUNT (a stopped machine\'s claim lapses within 10 s)'],
      ['imagine: SHARD_LIST is invalid: shard 2 is outside SHARD_COUNT=2 (ids run from 0 to 1)'],
      ['imagine: SHARD_LIST needs a redis:// STORAGE_URL shared by every machine (a SQLite file belongs to one machine)'],
    ]);
    for (const refusal of refusals) {
      expect(refusal.code).toBe(1);
      expect(refusal.started).toBe(0);
    }
    expect([await claimOf(0), await claimOf(1)]).toEqual(['machine-a', 'machine-b']);
    expect(discord.connectedShards()).toEqual([0, 1]);
  });

  it('rolling restart: SIGTERM parks A’s job and releases its shard; a replacement with the same SHARD_LIST starts at once and delivers it once', async () => {
    const old = machines.a!;
    const prompt = 'a lighthouse in fog (guild 0)';
    const { interaction, taskId } = await watchedJob(old, 0, prompt, 5_000);
    const pids = old.pids();
    expect(await old.bot.kill('SIGTERM')).toBe(0);
    await waitUntilGone(pids, 10_000);
    expect(await claimOf(0)).toBeNull();

    const restartedAt = Date.now();
    machines.a = await started(startMachine(envA));
    console.info(`[machines] replacement A: SHARD_LIST=0 running ${Date.now() - restartedAt} ms after its start`);
    expect(machines.a.logsWith('taking over a shard whose machine stopped refreshing its claim')).toEqual([]);
    await machines.a.bot.waitForLog((line) => line.msg === 'resuming job' && line['taskId'] === taskId, 10_000);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    await machines.a.bot.waitForLog((line) => line.msg === 'image delivered' && line['taskId'] === taskId, 5_000);
    expect(old.logsWith('image delivered').filter((line) => line['taskId'] === taskId)).toEqual([]);
    expect(imagesIn(interaction)).toBe(1);
    expect(createsWith(prompt)).toHaveLength(1);
    expect(await claimOf(0)).toBe('machine-a');
  }, 60_000);

  it('machine B killed outright (SIGKILL) and started again takes its shard back and delivers its job once', async () => {
    const dead = machines.b!;
    const prompt = 'a lantern in a cave (guild 1)';
    const { interaction, taskId } = await watchedJob(dead, 1, prompt, 4_000);
    await killMachine(dead);
    // Nothing released the claim: it is still there, unrefreshed.
    expect(await claimOf(1)).toBe('machine-b');

    const restartedAt = Date.now();
    machines.b = await started(startMachine(envB));
    console.info(`[machines] B after SIGKILL: SHARD_LIST=1 running again ${Date.now() - restartedAt} ms after its start`);
    expect(machines.b.logsWith('taking over a shard whose machine stopped refreshing its claim').map((line) => line['shard'])).toEqual([1]);
    await machines.b.bot.waitForLog((line) => line.msg === 'resuming job' && line['taskId'] === taskId, 10_000);
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    await machines.b.bot.waitForLog((line) => line.msg === 'image delivered' && line['taskId'] === taskId, 5_000);
    const deliveries = [...dead.logsWith('image delivered'), ...machines.b.logsWith('image delivered')].filter((line) => line['taskId'] === taskId);
    expect(deliveries).toHaveLength(1);
    expect(imagesIn(interaction)).toBe(1);
    expect(discord.channelMessages(GUILDS[1].channel).filter((message) => message.attachments.length > 0)).toHaveLength(0);
    expect(createsWith(prompt)).toHaveLength(1);
  }, 60_000);

  it('100 jobs at once across both machines: every image delivered once, no 429 from KIE, creates and polls within its limits', async () => {
    const { a, b } = machines as Required<typeof machines>;
    const since = Date.now();
    const crowd = Array.from({ length: 100 }, (_, index) => {
      const user: FakeUserSpec = { id: `16200000000000${String(index).padStart(5, '0')}`, username: `crowd${index}` };
      return imagine(index % 2, `crowd ${index} [g${index % 2}]`, user);
    });
    await Promise.all(crowd.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 90_000)));
    const creates = kie.creates.filter((call) => call.at >= since).map((call) => call.at).sort((x, y) => x - y);
    const polls = kie.polls.filter((call) => call.at >= since).map((call) => call.at).sort((x, y) => x - y);
    console.info(
      `[machines] 100 jobs over two machines: all delivered in ${((Date.now() - since) / 1000).toFixed(1)} s; ` +
        `busiest 10 s had ${busiestWindow(creates, 10_000)} creates, busiest 1 s ${busiestWindow(polls, 1_000)} polls; 429s ${JSON.stringify(kie.rejected429)}`,
    );
    expect(kie.rejected429).toEqual({ create: 0, poll: 0 });
    expect(creates).toHaveLength(100);
    expect(busiestWindow(creates, 10_000)).toBeLessThanOrEqual(KIE_CREATES_PER_10_S);
    expect(busiestWindow(polls, 1_000)).toBeLessThanOrEqual(KIE_POLLS_PER_S);
    for (const interaction of crowd) expect(imagesIn(interaction)).toBe(1);
    // Each machine served the guild of its own shard, and only that one.
    await expect.poll(() => [received(a, 0).length, received(b, 1).length]).toEqual([50, 50]);
    expect([received(a, 1).length, received(b, 0).length]).toEqual([0, 0]);
  }, 120_000);
});
