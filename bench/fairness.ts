import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDiscord, type FakeInteraction } from '../test/fakes/discord/index.js';
import { FakeKie, type FakeImages } from '../test/fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../test/helpers/bot-process.js';
import { median } from './stats.js';

/**
 * The fairness run: one member sends 40 /imagine at once, and a second later ten other members send one each,
 * with KIE's limits on (the fake takes 20 createTask per 10 s). For each of the ten: how long after their
 * request their createTask reached KIE, and their image arrived. One bot per order: the naive one (no budget:
 * everything goes at once, KIE refuses what is over its limit and the client asks again), the previous one
 * (first come, first served) and ours (fair).
 */

const GUILD = '1400000000000000001';
const CHANNEL = '1400000000000000002';
const HEAVY = { id: '1450000000000000001', username: 'heavy' };
const LIGHT = Array.from({ length: 10 }, (_, i) => ({ id: `14500000000000001${String(i).padStart(2, '0')}`, username: `light${i}` }));

export interface FairnessEntry {
  label: string;
  entry: string;
}

interface LightOutcome {
  createS: number | undefined;
  imageS: number | undefined;
}

interface FairnessResult {
  label: string;
  light: LightOutcome[];
  /** When the heavy member's 40th create reached KIE, after their burst (s). */
  heavyLastCreateS: number | undefined;
  rejected429: number;
  /** Of the heavy member's 40: how many were deferred (admitted) and how many reached KIE as a task. */
  heavyDeferred: number;
  heavyCreated: number;
}

function durationFor(prompt: string): number {
  let hash = 0;
  for (const char of prompt) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 2_000 + (hash % 6_001);
}

const imagine = (discord: FakeDiscord, prompt: string, user: { id: string; username: string }): FakeInteraction =>
  discord.dispatchInteraction({ commandName: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }], guildId: GUILD, channelId: CHANNEL, user });

async function runOne({ label, entry }: FairnessEntry, start: { env: Record<string, string>; nodeArgs: string[] }, images: FakeImages): Promise<FairnessResult> {
  const discord = await FakeDiscord.start({ now: Date.now, guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  const kie = await FakeKie.start({ images, scenarioFor: (body) => ({ durationMs: durationFor(String((body as { input?: { prompt?: unknown } }).input?.prompt ?? '')), image: 'small' }) });
  const dir = await mkdtemp(join(tmpdir(), 'imagine-fairness-'));
  let bot: BotProcess | undefined;
  try {
    bot = startBotProcess(
      { ...fakeServicesEnv(discord, kie), STORAGE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, QUOTA_DAILY: '100', MAX_ACTIVE_PER_MEMBER: '100', LOG_LEVEL: 'info', ...start.env },
      { nodeArgs: [...start.nodeArgs, entry] },
    );
    await bot.waitForLog((line) => line.msg === 'connected to Discord', 30_000);
    const heavyAt = Date.now();
    const heavy = Array.from({ length: 40 }, (_, i) => imagine(discord, `heavy ${i}: a lighthouse at dusk`, HEAVY));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const lightAt = Date.now();
    const light = LIGHT.map((user, i) => imagine(discord, `light ${i}: a lighthouse at dusk`, user));
    await Promise.all(light.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('⚠️'), 180_000).catch(() => undefined)));
    const acceptedAt = (prefix: string) =>
      kie.creates.filter((call) => call.taskId !== undefined && (call.body as { input: { prompt: string } }).input.prompt.startsWith(prefix)).map((call) => call.at);
    // What the fair order costs the member who sent 40: when the last of theirs started.
    await kie.waitFor(() => acceptedAt('heavy ').length >= 40, 90_000).catch(() => undefined);
    const seconds = (ms: number | undefined, from: number) => (ms === undefined ? undefined : Math.round((ms - from) / 100) / 10);
    const heavyCreates = acceptedAt('heavy ');
    return {
      label,
      light: light.map((interaction, i) => ({
        createS: seconds(acceptedAt(`light ${i}:`)[0], lightAt),
        imageS: seconds(interaction.edits.find((edit) => edit.attachments.length > 0)?.at, lightAt),
      })),
      heavyLastCreateS: heavyCreates.length === 40 ? seconds(Math.max(...heavyCreates), heavyAt) : undefined,
      rejected429: kie.rejected429.create,
      heavyDeferred: heavy.filter((interaction) => interaction.responses[0]?.type === 5).length,
      heavyCreated: heavyCreates.length,
    };
  } finally {
    await bot?.kill('SIGKILL');
    await Promise.all([discord.close(), kie.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

const show = (value: number | undefined): string => (value === undefined ? '–' : `${value.toFixed(1)} s`);

/** Runs every order and prints the ten light members' waits side by side. */
export async function runFairness(entries: FairnessEntry[], start: { env: Record<string, string>; nodeArgs: string[] }, images: FakeImages): Promise<FairnessResult[]> {
  const results: FairnessResult[] = [];
  for (const entry of entries) results.push(await runOne(entry, start, images));
  console.log('\nfairness: one member sends 40 at once, 1 s later ten others send one each (KIE: 20 creates per 10 s, tasks 2–8 s);');
  console.log('seconds from each of the ten requests to its createTask at KIE / to its image:');
  const header = ['member', ...results.map((result) => `${result.label}: create / image`)];
  const rows = LIGHT.map((_, i) => [`light ${i + 1}`, ...results.map((result) => `${show(result.light[i]?.createS)} / ${show(result.light[i]?.imageS)}`)]);
  const stat = (name: string, pick: (values: number[]) => number) => [
    name,
    ...results.map((result) => {
      const creates = result.light.flatMap((l) => (l.createS === undefined ? [] : [l.createS]));
      const imagesS = result.light.flatMap((l) => (l.imageS === undefined ? [] : [l.imageS]));
      return `${show(creates.length ? pick(creates) : undefined)} / ${show(imagesS.length ? pick(imagesS) : undefined)}`;
    }),
  ];
  rows.push(stat('median', median), stat('max', (values) => Math.max(...values)));
  rows.push(['heavy 40th create', ...results.map((result) => show(result.heavyLastCreateS))]);
  rows.push(['heavy deferred / created', ...results.map((result) => `${result.heavyDeferred} / ${result.heavyCreated}`)]);
  rows.push(['KIE 429s (create)', ...results.map((result) => String(result.rejected429))]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(format(row));
  return results;
}
