import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { FakeDiscord, type FakeInteraction } from '../test/fakes/discord/index.js';
import { FakeImages, FakeKie } from '../test/fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../test/helpers/bot-process.js';
import { ownRedisServer } from '../test/helpers/redis-server.js';
import { redisOf } from '../test/helpers/storage.js';
import { GuildSettingsStore } from '../src/policy/settings-store.js';
import { openStorage } from '../src/storage/index.js';
import { DEFAULT_KEY_PREFIX } from '../src/storage/types.js';
import { runFairness } from './fairness.js';
import { cpuMsOf, mainThreadCpuMsOf, parseStartScript, rssOf, type StartCommand } from './process-stats.js';
import { DEFER_RATIO_TARGET, deferVerdict, median, percentile, round } from './stats.js';

const GUILD = '1400000000000000001';
const CHANNEL = '1400000000000000002';

interface Options {
  jobs: number;
  /** Where the bot keeps its state: a fresh SQLite file per run, or this Redis URL (its `imagine:` keys are deleted before each run). */
  store: { kind: 'sqlite' } | { kind: 'redis'; url: string };
  /** Banned words set in the bench server before each run (none = 0). */
  bannedWords: number;
  /** Every prompt is padded to this many characters (0 = the short prompt as it is). */
  promptLength: number;
  large: boolean;
  timeoutMs: number;
  /** Runs of each configuration; with more than one, the table shows the median and the range. */
  repeat: number;
  /** When set, the bot writes a V8 CPU profile there (open it in Chrome DevTools). */
  profileDir: string | undefined;
  start: StartCommand;
}

interface Result {
  label: string;
  jobs: number;
  delivered: number;
  failed: number;
  deferP50Ms: number;
  deferP99Ms: number;
  deferMaxMs: number;
  detectionP50Ms: number;
  detectionP99Ms: number;
  noticeP50Ms: number;
  noticeP99Ms: number;
  relayP50Ms: number;
  relayP99Ms: number;
  kieRequestsPerJob: number;
  kie429s: number;
  idleRssMb: number;
  peakRssMb: number;
  cpuMsPerJob: number;
  eventLoopP99Ms: number;
  wallSeconds: number;
}

/** Task durations between 2 and 8 s, fixed per prompt so both runs face the same work. */
function durationFor(prompt: string): number {
  let hash = 0;
  for (const char of prompt) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 2_000 + (hash % 6_001);
}

/** Bundles an entry the way `npm start` runs the bot (plain node on one JS file, no TypeScript loader). */
async function bundle(entry: string, outdir: string): Promise<string> {
  const outfile = join(outdir, `${entry.replace(/[/.]/g, '-')}.js`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

const shortPromptOf = (i: number) => `bench job ${i}: a lighthouse at dusk, oil painting`;
const FILLER = ' with soft light over calm water, gulls, a distant ship and warm windows';

/** The prompt of job i, padded with words no banned word matches to the configured length. */
function promptOf(i: number, length = currentPromptLength): string {
  let prompt = shortPromptOf(i);
  while (prompt.length < length) prompt += FILLER;
  return prompt.slice(0, Math.max(length, shortPromptOf(i).length));
}
let currentPromptLength = 0;

/**
 * The bot's store for one run: a fresh SQLite file, or the Redis URL emptied of the bot's keys (`imagine:*`,
 * SCAN and DEL, never FLUSHDB), with the bench server's banned words written through the bot's own store.
 */
async function prepareStore(options: Options, dir: string): Promise<string> {
  const url = options.store.kind === 'redis' ? options.store.url : `sqlite://${join(dir, 'bot.sqlite')}`;
  const storage = await openStorage(url);
  try {
    const redis = options.store.kind === 'redis' ? redisOf(storage) : undefined;
    if (redis) {
      for await (const batch of redis.scanIterator({ MATCH: `${DEFAULT_KEY_PREFIX}*`, COUNT: 500 })) if (batch.length > 0) await redis.del(batch);
    }
    const settings = new GuildSettingsStore(storage.kv);
    for (let i = 0; i < options.bannedWords; i += 1) await settings.addBannedWord(GUILD, `forbidden${i}word`);
    settings.close();
  } finally {
    await storage.close();
  }
  return url;
}

/** N /imagine from distinct members of one guild, in one synchronous burst. */
function dispatchBurst(discord: FakeDiscord, options: Options): FakeInteraction[] {
  const interactions: FakeInteraction[] = [];
  for (let i = 0; i < options.jobs; i += 1) {
    interactions.push(
      discord.dispatchInteraction({
        commandName: 'imagine',
        options: [
          { name: 'prompt', type: 3, value: promptOf(i) },
          { name: 'quality', type: 3, value: options.large ? 'high' : 'basic' },
        ],
        guildId: GUILD,
        channelId: CHANNEL,
        user: { id: String(1500000000000000000n + BigInt(i)) },
      }),
    );
  }
  return interactions;
}

/** Defer latency (ms) of one burst. */
interface Floor {
  p50: number;
  p99: number;
  max: number;
  /**
   * CPU time of the bot's main thread from the burst's dispatch to its last acknowledgement (ms): what the
   * acknowledgements cost the bot, a figure other work on the machine hardly moves, unlike the latencies.
   */
  burstCpuMs: number;
}

/** A floor's medians over the passes, with the p99's range when there were several. */
function describeFloor(floors: Floor[]): string {
  const range = floors.length > 1 ? ` (p99 over ${floors.length} runs: ${Math.min(...floors.map((f) => f.p99))}–${Math.max(...floors.map((f) => f.p99))} ms)` : '';
  const cpu = floors.map((f) => f.burstCpuMs);
  const cpuText = cpu.length > 0 ? `; main-thread CPU for the burst ${round(median(cpu))} ms${cpu.length > 1 ? ` (${round(Math.min(...cpu))}–${round(Math.max(...cpu))})` : ''}` : '';
  return `p50 ${median(floors.map((f) => f.p50))} ms, p99 ${median(floors.map((f) => f.p99))} ms, max ${median(floors.map((f) => f.max))} ms${range}${cpuText}`;
}

/**
 * Defer latency of a client that only acknowledges, on the same fakes: the rig's own cost. floor-bot.ts is
 * discord.js configured as ours; raw-floor-bot.ts uses no Discord library at all.
 */
async function measureDeferFloor(entry: string, options: Options): Promise<Floor> {
  const discord = await FakeDiscord.start({ now: Date.now, guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  const bot = startBotProcess(
    { ...fakeServicesEnv(discord, { apiKey: 'unused', url: 'http://127.0.0.1:9' }), ...options.start.env },
    { nodeArgs: [...options.start.nodeArgs, entry] },
  );
  try {
    return await burstDefers(bot, discord, options);
  } finally {
    await bot.kill('SIGKILL');
    await discord.close();
  }
}

/** Node flags that make a bot write a V8 CPU profile into --profile's folder. */
const profileArgs = (options: Options): string[] => (options.profileDir ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${options.profileDir}`] : []);

const SETTLE_AFTER_CONNECT_MS = 1_000;

/** One burst of /imagine once the bot is connected: its acknowledgements' latencies, and how many were not deferrals. */
async function burstDefers(bot: BotProcess, discord: FakeDiscord, options: Options): Promise<Floor & { refused: number }> {
  await bot.waitForLog((line) => line.msg === 'connected to Discord', 30_000);
  // A running bot, as members meet it: its start-up requests (command registration, resume, credits) are done.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_CONNECT_MS));
  const pid = bot.child.pid!;
  const cpuBefore = await mainThreadCpuMsOf(pid);
  const interactions = dispatchBurst(discord, options);
  await Promise.all(interactions.map((interaction) => interaction.waitForResponse(30_000)));
  const burstCpuMs = (await mainThreadCpuMsOf(pid)) - cpuBefore;
  const defers = interactions.map((interaction) => interaction.responses[0]!.latencyMs);
  const refused = interactions.filter((interaction) => interaction.responses[0]!.type !== 5).length;
  return { p50: percentile(defers, 50), p99: percentile(defers, 99), max: Math.max(...defers), burstCpuMs, refused };
}

/**
 * Defer latency of a configuration (ours or the naive baseline) on its own: the bot, its store (with the
 * run's banned words) and a fake KIE, one burst of /imagine, and only the acknowledgements measured.
 */
async function measureDefer(entry: string, options: Options): Promise<Floor> {
  const discord = await FakeDiscord.start({ now: Date.now, guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  const kie = await FakeKie.start({ defaultScenario: { durationMs: 60_000 } });
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-'));
  const storageUrl = await prepareStore(options, dir);
  const bot = startBotProcess(
    { ...fakeServicesEnv(discord, kie), STORAGE_URL: storageUrl, QUOTA_DAILY: String(options.jobs + 10), LOG_LEVEL: 'info', ...options.start.env },
    { nodeArgs: [...options.start.nodeArgs, ...profileArgs(options), entry] },
  );
  try {
    const measured = await burstDefers(bot, discord, options);
    if (process.env.BENCH_LOG_FILE) await writeFile(process.env.BENCH_LOG_FILE, bot.logs.map((line) => JSON.stringify(line)).join('\n'));
    if (measured.refused > 0) throw new Error(`bench: ${measured.refused} of the burst were refused, not deferred (a banned word in a prompt?)`);
    return { p50: measured.p50, p99: measured.p99, max: measured.max, burstCpuMs: measured.burstCpuMs };
  } finally {
    // A profiling bot writes its profile on a clean exit (SIGTERM), never on SIGKILL.
    await bot.kill(options.profileDir ? 'SIGTERM' : 'SIGKILL');
    await Promise.all([discord.close(), kie.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `images`: the fake KIE's PNGs, drawn once for the whole benchmark (see main). */
async function runOnce(label: string, entry: string, options: Options, images: FakeImages): Promise<Result> {
  const discord = await FakeDiscord.start({ now: Date.now, guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  const kie = await FakeKie.start({
    images,
    scenarioFor: (body) => {
      const prompt = String((body as { input?: { prompt?: unknown } }).input?.prompt ?? '');
      return { durationMs: durationFor(prompt), image: options.large ? '4k' : 'small' };
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-'));
  let bot: BotProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const storageUrl = await prepareStore(options, dir);
    bot = startBotProcess(
      {
        ...fakeServicesEnv(discord, kie),
        STORAGE_URL: storageUrl,
        QUOTA_DAILY: String(options.jobs + 10),
        LOG_LEVEL: 'debug',
        // Both configurations run with the allocator settings and node flags of `npm start`.
        ...options.start.env,
      },
      { nodeArgs: [...options.start.nodeArgs, ...profileArgs(options), entry] },
    );
    await bot.waitForLog((line) => line.msg === 'connected to Discord', 30_000);
    const pid = bot.child.pid!;
    // Settled after start-up: the footprint of a bot with nothing to do.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleRss = await rssOf(pid);
    const cpuBefore = await cpuMsOf(pid);
    let peakRss = idleRss;
    sampler = setInterval(() => {
      rssOf(pid)
        .then((rss) => (peakRss = Math.max(peakRss, rss)))
        .catch(() => undefined);
    }, 100);

    const started = Date.now();
    const interactions = dispatchBurst(discord, options);
    const outcomes = await Promise.all(
      interactions.map((interaction) =>
        interaction
          .waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('⚠️'), options.timeoutMs)
          .then((message) => (message.attachments.length > 0 ? 'delivered' : 'failed'))
          .catch(() => 'lost'),
      ),
    );
    const wallSeconds = (Date.now() - started) / 1000;
    const cpuMs = (await cpuMsOf(pid)) - cpuBefore;
    // A graceful stop makes the bot log its last health line (event-loop delay of the final interval).
    await bot.kill('SIGTERM');
    await bot.waitForLog((line) => line.msg === 'health', 2_000).catch(() => undefined);

    const defers = interactions.map((interaction) => interaction.responses[0]?.latencyMs ?? Number.POSITIVE_INFINITY);
    const taskOfPrompt = new Map(kie.creates.filter((call) => call.taskId).map((call) => [(call.body as { input: { prompt: string } }).input.prompt, call.taskId!]));
    const lags: number[] = [];
    // The lag splits in two: noticing (completion → the poll or callback-woken poll that saw it) and
    // relaying (that poll → the edit with the image, i.e. download, re-encode and upload).
    const notices: number[] = [];
    const relays: number[] = [];
    const firstSeen = new Map<string, number>();
    for (const poll of kie.polls) {
      const completedAt = kie.task(poll.taskId)?.completedAt;
      if (completedAt !== undefined && poll.at >= completedAt && !firstSeen.has(poll.taskId)) firstSeen.set(poll.taskId, poll.at);
    }
    interactions.forEach((interaction, i) => {
      const taskId = taskOfPrompt.get(promptOf(i));
      const completedAt = taskId ? kie.task(taskId)?.completedAt : undefined;
      const delivery = interaction.edits.find((edit) => edit.attachments.length > 0);
      if (completedAt === undefined || !delivery) return;
      lags.push(delivery.at - completedAt);
      const seenAt = firstSeen.get(taskId!);
      if (seenAt === undefined) return;
      notices.push(seenAt - completedAt);
      relays.push(delivery.at - seenAt);
    });
    if (process.env.BENCH_LOG_FILE) await writeFile(process.env.BENCH_LOG_FILE, bot.logs.map((line) => JSON.stringify(line)).join('\n'));
    const healthLines = bot.logs.filter((line) => line.msg === 'health');
    const health = healthLines.map((line) => Number(line.eventLoopDelayP99Ms));
    if (process.env.BENCH_VERBOSE) for (const line of healthLines) console.log(JSON.stringify(line));
    return {
      label,
      jobs: options.jobs,
      delivered: outcomes.filter((o) => o === 'delivered').length,
      failed: outcomes.filter((o) => o !== 'delivered').length,
      deferP50Ms: round(percentile(defers, 50)),
      deferP99Ms: round(percentile(defers, 99)),
      deferMaxMs: round(Math.max(...defers)),
      detectionP50Ms: round(percentile(lags, 50)),
      detectionP99Ms: round(percentile(lags, 99)),
      noticeP50Ms: round(percentile(notices, 50)),
      noticeP99Ms: round(percentile(notices, 99)),
      relayP50Ms: round(percentile(relays, 50)),
      relayP99Ms: round(percentile(relays, 99)),
      kieRequestsPerJob: round((kie.creates.length + kie.polls.length) / options.jobs, 2),
      kie429s: kie.rejected429.create + kie.rejected429.poll,
      idleRssMb: round(idleRss / 1048576),
      peakRssMb: round(peakRss / 1048576),
      cpuMsPerJob: round(cpuMs / options.jobs),
      eventLoopP99Ms: round(health.length > 0 ? percentile(health, 99) : Number.NaN),
      wallSeconds: round(wallSeconds),
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await bot?.kill('SIGKILL');
    await Promise.all([discord.close(), kie.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

const ROWS: Array<[keyof Result, string]> = [
  ['delivered', 'jobs delivered'],
  ['failed', 'jobs failed or lost'],
  ['deferP50Ms', 'defer latency p50 (ms)'],
  ['deferP99Ms', 'defer latency p99 (ms)'],
  ['deferMaxMs', 'defer latency max (ms)'],
  ['detectionP50Ms', 'detection lag p50 (ms)'],
  ['detectionP99Ms', 'detection lag p99 (ms)'],
  ['noticeP50Ms', '  of which noticing p50 (ms)'],
  ['noticeP99Ms', '  of which noticing p99 (ms)'],
  ['relayP50Ms', '  of which relaying p50 (ms)'],
  ['relayP99Ms', '  of which relaying p99 (ms)'],
  ['kieRequestsPerJob', 'KIE requests per job'],
  ['kie429s', 'KIE 429s received'],
  ['idleRssMb', 'bot idle RSS (MB)'],
  ['peakRssMb', 'bot peak RSS (MB)'],
  ['cpuMsPerJob', 'bot CPU per job (ms)'],
  ['eventLoopP99Ms', 'event-loop delay p99 (ms)'],
  ['wallSeconds', 'wall time (s)'],
];

type Metric = Exclude<keyof Result, 'label'>;

/** One configuration over all its runs: the median of each figure, and its range when there were several. */
interface Summary {
  label: string;
  runs: Result[];
  median: Record<Metric, number>;
}

function summarize(label: string, runs: Result[]): Summary {
  const middle = {} as Record<Metric, number>;
  for (const [key] of ROWS) middle[key as Metric] = median(runs.map((run) => Number(run[key])));
  return { label, runs, median: middle };
}

function cell(summary: Summary, key: Metric): string {
  const shown = String(round(summary.median[key], 2));
  if (summary.runs.length < 2) return shown;
  const values = summary.runs.map((run) => Number(run[key]));
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? shown : `${shown} (${low}–${high})`;
}

function printTable(summaries: Summary[]): void {
  const header = ['metric', ...summaries.map((s) => (s.runs.length > 1 ? `${s.label}: median (range)` : s.label))];
  if (summaries.length === 2) header.push('baseline / ours');
  const lines = ROWS.map(([key, name]) => {
    const metric = key as Metric;
    const cells = [name, ...summaries.map((s) => cell(s, metric))];
    if (summaries.length === 2) {
      const [ours, base] = summaries.map((s) => s.median[metric]);
      cells.push(ours && Number.isFinite(ours) && Number.isFinite(base) ? `${round(base! / ours, 2)}×` : '–');
    }
    return cells;
  });
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

type BenchValues = ReturnType<typeof parseBenchArgs>['values'];

function parseBenchArgs() {
  return parseArgs({
    options: {
      jobs: { type: 'string', default: '200' },
      // The naive baseline runs by default: the defer target compares against it in the same run.
      baseline: { type: 'boolean', default: true },
      'ours-only': { type: 'boolean', default: false },
      small: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      // Only the acknowledgement: ours and the naive baseline, one burst each per pass, no deliveries (seconds, not minutes).
      'defer-only': { type: 'boolean', default: false },
      store: { type: 'string', default: 'sqlite' },
      'redis-url': { type: 'string' },
      'banned-words': { type: 'string', default: '0' },
      'prompt-length': { type: 'string', default: '0' },
      'timeout-seconds': { type: 'string', default: '900' },
      profile: { type: 'string' },
      // The fairness run (FIFO vs fair, see bench/fairness.ts) follows the load run; these pick one of them.
      'fairness-only': { type: 'boolean', default: false },
      'skip-fairness': { type: 'boolean', default: false },
    },
  });
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs();
  if (values.store !== 'sqlite' && values.store !== 'redis') throw new Error('bench: --store is sqlite or redis');
  // Without --redis-url the bench starts a redis-server of its own: it never empties a Redis it was not given.
  const ownRedis = values.store === 'redis' && !values['redis-url'] ? await ownRedisServer() : undefined;
  try {
    await runBench(values, ownRedis?.url);
  } finally {
    await ownRedis?.stop();
  }
}

async function runBench(values: BenchValues, ownRedisUrl: string | undefined): Promise<void> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } };
  const options: Options = {
    jobs: Number(values.jobs),
    store: values.store === 'redis' ? { kind: 'redis', url: values['redis-url'] ?? ownRedisUrl! } : { kind: 'sqlite' },
    bannedWords: Math.max(0, Math.trunc(Number(values['banned-words'])) || 0),
    promptLength: Math.max(0, Math.trunc(Number(values['prompt-length'])) || 0),
    large: !values.small,
    timeoutMs: Number(values['timeout-seconds']) * 1000,
    repeat: Math.max(1, Math.trunc(Number(values.repeat)) || 1),
    profileDir: values.profile,
    start: parseStartScript(pkg.scripts.start),
  };
  currentPromptLength = options.promptLength;
  const load = `${options.store.kind}${options.bannedWords > 0 ? `, ${options.bannedWords} banned words` : ''}${options.promptLength > 0 ? `, ${options.promptLength}-character prompts` : ''}`;
  if (values['defer-only']) {
    await deferOnly(options, load);
    return;
  }
  // KIE's files exist before anyone asks. Drawing the 4K PNG takes seconds of CPU and leaves a 48 MB pixel
  // buffer to collect in this process, which also runs the fake Discord: drawn once, here, neither can
  // land in a measured burst.
  const images = new FakeImages();
  await images.get(options.large ? '4k' : 'small');
  console.log(
    `imagine benchmark: ${options.jobs} concurrent /imagine, ${options.large ? '4K images (4096x4096 PNGs of 29 MiB, re-encoded to fit 10 MiB)' : 'small images'}, ` +
      `KIE tasks 2–8 s, fake KIE enforcing 20 creates/10 s and 10 polls/s; ${cpus().length} cores, ${round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  // Bundles live inside the project so that their bare imports resolve to its node_modules.
  const outdir = await mkdtemp(join(process.cwd(), '.bench-build-'));
  try {
    const fairness = async () =>
      runFairness(
        [
          { label: 'naive', entry: await bundle('bench/naive-bot.ts', outdir) },
          { label: 'FIFO', entry: await bundle('bench/fifo-bot.ts', outdir) },
          { label: 'fair (ours)', entry: await bundle('src/main.ts', outdir) },
        ],
        options.start,
        images,
      );
    if (values['fairness-only']) {
      console.log(JSON.stringify({ fairness: await fairness() }));
      return;
    }
    const floorEntries = { 'discord.js': await bundle('bench/floor-bot.ts', outdir), 'no library': await bundle('bench/raw-floor-bot.ts', outdir) };
    const configurations = [{ label: 'ours', entry: await bundle('src/main.ts', outdir) }];
    if (values.baseline && !values['ours-only']) configurations.push({ label: 'baseline', entry: await bundle('bench/naive-bot.ts', outdir) });
    const floors = { 'discord.js': [] as Floor[], 'no library': [] as Floor[] };
    const runs = new Map<string, Result[]>(configurations.map(({ label }) => [label, []]));
    for (let pass = 0; pass < options.repeat; pass += 1) {
      for (const [client, entry] of Object.entries(floorEntries)) floors[client as keyof typeof floors].push(await measureDeferFloor(entry, options));
      // Every other round the order flips, so neither configuration always meets fakes warmed by the other.
      const order = pass % 2 === 0 ? configurations : [...configurations].reverse();
      for (const { label, entry } of order) {
        const result = await runOnce(label, entry, options, images);
        runs.get(label)!.push(result);
        if (options.repeat > 1) console.log(`run ${pass + 1}/${options.repeat} ${label}: ${JSON.stringify(result)}`);
      }
    }
    const summaries = configurations.map(({ label }) => summarize(label, runs.get(label)!));
    console.log('');
    printTable(summaries);
    console.log('\ndefer latency floor of this rig (a client that only acknowledges):');
    for (const [client, measured] of Object.entries(floors)) console.log(`  ${client.padEnd(10)}  ${describeFloor(measured)}`);
    const floorP99 = median(floors['discord.js'].map((floor) => floor.p99));
    const oursP99 = summaries.find((summary) => summary.label === 'ours')!.median.deferP99Ms;
    const naiveP99 = summaries.find((summary) => summary.label === 'baseline')?.median.deferP99Ms;
    const verdict = deferVerdict({ oursP99, floorP99, naiveP99 });
    const mark = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'PASS' : 'MISS');
    const medians = options.repeat > 1 ? ` (medians of ${options.repeat} runs)` : '';
    console.log(`\ndefer target${medians}:`);
    console.log(`  defer p99 ratio ours/floor = ${verdict.ratio} (${oursP99} ms / ${floorP99} ms; target ≤ ${DEFER_RATIO_TARGET}): ${mark(verdict.withinRatio)}`);
    console.log(`  ours vs naive baseline: ${oursP99} ms vs ${naiveP99 ?? '–'} ms (target: not above): ${mark(verdict.notAboveNaive)}`);
    if (naiveP99 !== undefined) console.log(`  ${naiveRatioLine(oursP99, naiveP99)}`);
    const fair = values['skip-fairness'] ? undefined : await fairness();
    console.log(
      JSON.stringify({ machine: { cores: cpus().length, node: process.version }, options, deferFloorMs: floors, deferTarget: { oursP99, floorP99, naiveP99, ...verdict }, summaries, fairness: fair }),
    );
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** `defer p99 ours/naive`, judged against the same 1.25 target. */
function naiveRatioLine(oursP99: number, naiveP99: number): string {
  const ratio = naiveP99 > 0 ? oursP99 / naiveP99 : Number.POSITIVE_INFINITY;
  return `defer p99 ours/naive = ${round(ratio, 2)} (${oursP99} ms / ${naiveP99} ms; target ≤ ${DEFER_RATIO_TARGET}): ${ratio <= DEFER_RATIO_TARGET ? 'PASS' : 'MISS'}`;
}

/** The acknowledgement alone, ours against the naive baseline, `repeat` passes in alternating order; medians. */
async function deferOnly(options: Options, load: string): Promise<void> {
  console.log(`imagine defer benchmark: ${options.jobs} concurrent /imagine (${load}); ${cpus().length} cores, Node ${process.version}`);
  const outdir = await mkdtemp(join(process.cwd(), '.bench-build-'));
  try {
    // The naive baseline defers before doing anything, then runs the same checks and unpaced KIE jobs; the
    // floor only defers (discord.js configured as ours), with no work behind the acknowledgement at all.
    const configurations = [
      { label: 'ours', entry: await bundle('src/main.ts', outdir), measure: measureDefer },
      { label: 'naive', entry: await bundle('bench/naive-bot.ts', outdir), measure: measureDefer },
      { label: 'floor', entry: await bundle('bench/floor-bot.ts', outdir), measure: measureDeferFloor },
    ];
    const runs = new Map<string, Floor[]>(configurations.map(({ label }) => [label, []]));
    // One burst of each first, not counted: the first bot process started pays for cold disk caches and
    // the fakes' first connections, whichever configuration it is.
    for (const { entry, measure } of configurations) await measure(entry, options);
    for (let pass = 0; pass < options.repeat; pass += 1) {
      const order = pass % 2 === 0 ? configurations : [...configurations].reverse();
      for (const { label, entry, measure } of order) {
        const measured = await measure(entry, options);
        runs.get(label)!.push(measured);
        console.log(
          `run ${pass + 1}/${options.repeat} ${label}: defer p50 ${round(measured.p50)} ms, p99 ${round(measured.p99)} ms, max ${round(measured.max)} ms, burst CPU ${round(measured.burstCpuMs)} ms`,
        );
      }
    }
    for (const [label, measured] of runs) console.log(`  ${label.padEnd(6)} ${describeFloor(measured.map((m) => ({ ...m, p50: round(m.p50), p99: round(m.p99), max: round(m.max) })))}`);
    const oursP99 = round(median(runs.get('ours')!.map((m) => m.p99)));
    const naiveP99 = round(median(runs.get('naive')!.map((m) => m.p99)));
    const floorP99 = round(median(runs.get('floor')!.map((m) => m.p99)));
    const medians = options.repeat > 1 ? ` (medians of ${options.repeat} runs)` : '';
    console.log(`${naiveRatioLine(oursP99, naiveP99)}${medians}`);
    const floorRatio = deferVerdict({ oursP99, floorP99 });
    console.log(`defer p99 ours/floor = ${floorRatio.ratio} (${oursP99} ms / ${floorP99} ms; target ≤ ${DEFER_RATIO_TARGET}): ${floorRatio.withinRatio ? 'PASS' : 'MISS'}${medians}`);
    console.log(JSON.stringify({ machine: { cores: cpus().length, node: process.version }, load, jobs: options.jobs, repeat: options.repeat, oursP99, naiveP99, floorP99, runs: Object.fromEntries(runs) }));
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
