import { describe, expect, it, onTestFinished } from 'vitest';
import { startOpsServer } from '../../src/ops/server.js';
import { ShardClientUtil } from 'discord.js';
import { FakeDiscord, type FakeInteraction } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess, type LogLine } from '../helpers/bot-process.js';
import { startHarness } from '../helpers/harness.js';
import { healthz, sampleValue, scrape } from '../helpers/metrics.js';
import { waitUntilGone } from '../helpers/pids.js';
import { freePort } from '../helpers/ports.js';
import { createTempDir } from '../helpers/tmp.js';
import { CHANNEL_ID, GUILD_ID, MEMBER } from '../helpers/ids.js';

const GUILD = GUILD_ID;
const CHANNEL = CHANNEL_ID;

function track(bot: BotProcess): BotProcess {
  onTestFinished(async () => {
    await bot.kill('SIGKILL');
  });
  return bot;
}

async function sqliteUrl(): Promise<string> {
  const dir = await createTempDir('imagine-ops');
  onTestFinished(() => dir.remove());
  return `sqlite://${dir.file('bot.sqlite')}`;
}

const hasImage = (interaction: FakeInteraction) => interaction.edits.some((edit) => edit.attachments.length > 0);

describe('HEALTH_PORT: /healthz and /metrics of a running bot', () => {
  it('reports health, counts an image, a 429 and a refund, and turns 503 when the gateway is gone', async () => {
    const discord = await FakeDiscord.start({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
    onTestFinished(() => discord.close());
    const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
    onTestFinished(() => kie.close());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const bot = track(startBotProcess({ ...fakeServicesEnv(discord, kie), STORAGE_URL: await sqliteUrl(), HEALTH_PORT: String(port) }));
    await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);

    expect(await healthz(base)).toEqual({ status: 200, body: { status: 'ok', gateway: 'connected', store: 'ok', failing: [] } });
    const before = await scrape(base);
    expect(sampleValue(before, 'imagine_images_delivered_total')).toBe(0);
    expect(sampleValue(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // KIE turns the first create away with its 429; the client asks again and the image arrives.
    kie.nextCreate({ code: 429, msg: 'rate limited' });
    const imagine = (prompt: string) =>
      discord.dispatchInteraction({ commandName: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }], guildId: GUILD, channelId: CHANNEL, user: MEMBER });
    const first = imagine('a red fox in snow');
    await first.waitForOriginal((message) => message.attachments.length > 0, 20_000);
    // A task that fails gives the member's unit back.
    kie.nextCreate({ scenario: { durationMs: 200, outcome: 'fail', failCode: '500', failMsg: 'internal error' } });
    imagine('a failing picture');
    await bot.waitForLog((line) => line.msg === 'quota refunded', 15_000);

    await expect.poll(async () => sampleValue(await scrape(base), 'imagine_units_refunded_total'), { timeout: 5_000 }).toBe(1);
    const after = await scrape(base);
    expect(sampleValue(after, 'imagine_interactions_total', { kind: 'imagine', outcome: 'ok' })).toBe(2);
    expect(sampleValue(after, 'imagine_defer_latency_seconds_count')).toBe(2);
    expect(sampleValue(after, 'imagine_defer_latency_seconds_bucket', { le: '3' })).toBe(2);
    expect(sampleValue(after, 'imagine_kie_requests_total', { endpoint: 'createTask', outcome: 'rate_limited' })).toBe(1);
    expect(sampleValue(after, 'imagine_kie_requests_total', { endpoint: 'createTask', outcome: 'ok' })).toBe(2);
    expect(sampleValue(after, 'imagine_kie_requests_total', { endpoint: 'getTask', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'imagine_images_delivered_total')).toBe(1);
    expect(sampleValue(after, 'imagine_delivery_lag_seconds_count')).toBe(1);
    expect(sampleValue(after, 'imagine_delivery_lag_seconds_sum')).toBeGreaterThan(0);
    expect(sampleValue(after, 'imagine_jobs_in_flight')).toBe(0);
    expect(sampleValue(after, 'imagine_jobs_waiting')).toBe(0);
    expect(sampleValue(after, 'imagine_kie_polls_waiting')).toBe(0);
    expect(sampleValue(after, 'imagine_store_errors_total', { source: 'health' })).toBeUndefined();

    // Discord gone: the gateway connection drops and /healthz says so.
    await discord.close();
    await expect.poll(async () => (await healthz(base)).status, { timeout: 10_000 }).toBe(503);
    expect((await healthz(base)).body).toEqual({ status: 'unavailable', gateway: 'disconnected', store: 'ok', failing: ['gateway'] });
    expect(await bot.kill('SIGTERM')).toBe(0);
  }, 60_000);

  it('answers 503 naming the store when the store stops answering, and counts the failure', async () => {
    const harness = await startHarness();
    onTestFinished(() => harness.close());
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      health: () => harness.app.health(),
      metrics: async () => ({ contentType: harness.app.metrics.registry.contentType, body: await harness.app.metrics.registry.metrics() }),
      logger: harness.app.services.logger,
    });
    onTestFinished(() => ops.close());
    const base = `http://127.0.0.1:${ops.port}`;
    expect((await healthz(base)).status).toBe(200);

    await harness.storage.close();
    const { status, body } = await healthz(base);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', gateway: 'connected', failing: ['store'] });
    expect(body['store']).not.toBe('ok');
    expect(sampleValue(await scrape(base), 'imagine_store_errors_total', { source: 'health' })).toBe(1);

    // A member's command meets the same outage: counted as a store error of an interaction.
    await harness.imagine({ prompt: 'a lighthouse' }).waitForResponse(5_000);
    await expect
      .poll(async () => sampleValue(await scrape(base), 'imagine_interactions_total', { kind: 'imagine', outcome: 'store_error' }), { timeout: 5_000 })
      .toBe(1);
    expect(sampleValue(await scrape(base), 'imagine_store_errors_total', { source: 'interaction' })).toBe(1);
  }, 30_000);

  it('answers 404 for other paths and 405 for other methods', async () => {
    const harness = await startHarness();
    onTestFinished(() => harness.close());
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      health: () => harness.app.health(),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: harness.app.services.logger,
    });
    onTestFinished(() => ops.close());
    expect((await fetch(`http://127.0.0.1:${ops.port}/`)).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${ops.port}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

/** Guild ids whose timestamp parts are even and odd: (id >> 22) % 2 puts them on shards 0 and 1. */
const SHARDED_GUILDS = [
  { id: ((300_000_000_000n << 22n) | 1n).toString(), channel: ((300_000_000_000n << 22n) | 2n).toString() },
  { id: ((300_000_000_001n << 22n) | 1n).toString(), channel: ((300_000_000_001n << 22n) | 2n).toString() },
] as const;

describe('SHARDS=2 under npm start: the manager serves every shard', () => {
  it('aggregates both shards’ metrics and health, and SIGTERM to npm alone ends manager and shards with exit 0', async () => {
    expect(SHARDED_GUILDS.map((guild) => ShardClientUtil.shardIdForGuildId(guild.id, 2))).toEqual([0, 1]);
    const discord = await FakeDiscord.start({
      shards: 2,
      maxConcurrency: 2,
      guilds: SHARDED_GUILDS.map((guild) => ({ id: guild.id, channels: [{ id: guild.channel }] })),
    });
    onTestFinished(() => discord.close());
    const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
    onTestFinished(() => kie.close());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const bot = track(
      startBotProcess({ ...fakeServicesEnv(discord, kie), STORAGE_URL: await sqliteUrl(), SHARDS: '2', HEALTH_PORT: String(port) }, { viaNpm: true }),
    );
    await bot.waitForLog((line) => line.msg === 'all shards started', 60_000);
    const connected = (shard: number) => (line: LogLine) => line.msg === 'connected to Discord' && (line['shards'] as unknown[] | undefined)?.includes(shard) === true;
    const shardPids = await Promise.all([0, 1].map(async (shard) => Number((await bot.waitForLog(connected(shard), 10_000))['pid'])));
    const managerPid = Number(bot.logs.find((line) => line.msg === 'all shards started')!['pid']);

    const health = await healthz(base);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      status: 'ok',
      shards: [
        { shard: 0, status: 'ok', gateway: 'connected', store: 'ok', failing: [] },
        { shard: 1, status: 'ok', gateway: 'connected', store: 'ok', failing: [] },
      ],
      failing: [],
    });

    const interactions = SHARDED_GUILDS.map((guild, index) =>
      discord.dispatchInteraction({
        commandName: 'imagine',
        options: [{ name: 'prompt', type: 3, value: `a mill in guild ${index}` }],
        guildId: guild.id,
        channelId: guild.channel,
        user: MEMBER,
      }),
    );
    await Promise.all(interactions.map((interaction) => interaction.waitForOriginal((message) => message.attachments.length > 0, 20_000)));
    expect(interactions.every(hasImage)).toBe(true);
    // Each shard served its own guild, so the sums prove both shards were asked.
    for (const [index, guild] of SHARDED_GUILDS.entries()) {
      const received = bot.logs.find((line) => line.msg === 'imagine received' && line['guildId'] === guild.id);
      expect(received?.['pid']).toBe(shardPids[index]);
    }
    // A delivery is counted once its message is sent and recorded, a moment after the member sees it.
    await expect.poll(async () => sampleValue(await scrape(base), 'imagine_images_delivered_total'), { timeout: 5_000 }).toBe(2);
    const samples = await scrape(base);
    expect(sampleValue(samples, 'imagine_interactions_total', { kind: 'imagine', outcome: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'imagine_kie_requests_total', { endpoint: 'createTask', outcome: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'imagine_delivery_lag_seconds_count')).toBe(2);

    // Discord shuts one shard's gateway for good (4004): the manager's /healthz names that shard.
    discord.disconnectShard(1, 4004);
    await expect.poll(async () => (await healthz(base)).status, { timeout: 10_000 }).toBe(503);
    expect((await healthz(base)).body).toMatchObject({
      status: 'unavailable',
      shards: [{ shard: 0, status: 'ok' }, { shard: 1, status: 'unavailable', gateway: 'disconnected' }],
      failing: ['shard 1: gateway'],
    });

    const signalledAt = Date.now();
    process.kill(bot.child.pid!, 'SIGTERM');
    expect(await bot.exited).toBe(0);
    await waitUntilGone([managerPid, ...shardPids], 10_000 - (Date.now() - signalledAt));
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
  }, 90_000);
});
