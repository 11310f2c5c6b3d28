import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { FakeDiscord } from '../test/fakes/discord/index.js';
import { FakeKie } from '../test/fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../test/helpers/bot-process.js';
import { ownRedisServer } from '../test/helpers/redis-server.js';
import { guildsOnShards } from '../test/helpers/sharded-guilds.js';
import { parseStartScript, rssOf } from './process-stats.js';
import { round } from './stats.js';

/**
 * What one machine's shards cost in memory: the bundle runs as `npm start` runs it (same node flags and
 * allocator settings) with SHARD_COUNT=N and every shard on this machine, on a Redis of its own, against the
 * fake Discord (one server per shard) and the fake KIE. Prints the manager's and each shard process's RSS
 * once they are all connected and idle, then again after each shard has delivered `--jobs` small images.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { shards: { type: 'string', default: '2' }, jobs: { type: 'string', default: '10' } } });
  const shards = Math.max(1, Math.trunc(Number(values.shards)) || 2);
  const jobs = Math.max(0, Math.trunc(Number(values.jobs)) || 0);
  const start = parseStartScript((JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start);
  // Inside the project, so that the bundle finds node_modules.
  const outdir = await mkdtemp(join(process.cwd(), '.bench-build-'));
  const entry = join(outdir, 'main.js');
  await build({ entryPoints: ['src/main.ts'], bundle: true, platform: 'node', target: 'node24', format: 'esm', packages: 'external', outfile: entry, logLevel: 'warning' });
  const guilds = guildsOnShards(shards, 320_000_000_000n);
  const redis = await ownRedisServer();
  const discord = await FakeDiscord.start({ shards, maxConcurrency: shards, now: Date.now, guilds: guilds.map((guild) => ({ id: guild.id, channels: [{ id: guild.channel }] })) });
  const kie = await FakeKie.start({ defaultScenario: { durationMs: 1_000 } });
  let bot: BotProcess | undefined;
  try {
    bot = startBotProcess(
      { ...fakeServicesEnv(discord, kie), STORAGE_URL: redis.url, SHARD_COUNT: String(shards), QUOTA_DAILY: String(jobs + 1), LOG_LEVEL: 'info', ...start.env },
      { nodeArgs: [...start.nodeArgs, entry] },
    );
    await bot.waitForLog((line) => line.msg === 'all shards started', 30_000 + shards * 10_000);
    await discord.waitForReady(10_000);
    const shardPids = (): number[] => [...new Set(bot!.logs.filter((line) => line.msg === 'connected to Discord').map((line) => Number(line['pid'])))];
    const managerPid = bot.child.pid!;
    const measure = async () => {
      const manager = await rssOf(managerPid);
      const each = await Promise.all(shardPids().map((pid) => rssOf(pid)));
      return { managerMb: round(manager / 2 ** 20), shardMb: each.map((rss) => round(rss / 2 ** 20)), totalMb: round((manager + each.reduce((a, b) => a + b, 0)) / 2 ** 20) };
    };
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idle = await measure();
    const interactions = guilds.flatMap((guild, n) =>
      Array.from({ length: jobs }, (_, i) =>
        discord.dispatchInteraction({
          commandName: 'imagine',
          options: [{ name: 'prompt', type: 3, value: `memory ${n}.${i}: a quiet harbour` }],
          guildId: guild.id,
          channelId: guild.channel,
          user: { id: `17000000000000${String(n * 1000 + i).padStart(5, '0')}`, username: `m${n}x${i}` },
        }),
      ),
    );
    await Promise.all(interactions.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 120_000)));
    const afterJobs = await measure();
    console.log(`imagine shard memory: SHARD_COUNT=${shards} on one machine (${cpus().length} cores, Node ${process.version}), as npm start runs it`);
    console.log(`idle:                 manager ${idle.managerMb} MB, shards ${idle.shardMb.join(' / ')} MB, total ${idle.totalMb} MB`);
    console.log(`after ${jobs} small images per shard: manager ${afterJobs.managerMb} MB, shards ${afterJobs.shardMb.join(' / ')} MB, total ${afterJobs.totalMb} MB`);
    console.log(JSON.stringify({ shards, jobsPerShard: jobs, idle, afterJobs }));
  } finally {
    await bot?.kill('SIGTERM');
    await Promise.all([discord.close(), kie.close()]);
    await redis.stop();
    await rm(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
