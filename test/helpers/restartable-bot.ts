import { expect } from 'vitest';
import type { JobRecord } from '../../src/jobs/job.js';
import { utcDay } from '../../src/quota/day.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { FakeDiscord, type FakeInteraction, type FakeMessage } from '../fakes/discord/index.js';
import { FakeKie, type FakeKieOptions } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from './bot-process.js';
import { memberCommands, type BotRig } from './bot-rig.js';
import { CHANNEL_ID, GUILD_ID, MEMBER } from './ids.js';
import { testGuild } from './members.js';
import { createTempDir, type TempDir } from './tmp.js';
import { sqliteOf } from './storage.js';

/** What the bot left in its SQLite file. */
export interface StoreSnapshot {
  jobs: JobRecord[];
  /** Units used today by a member of GUILD_ID. */
  used(userId: string): Promise<number>;
}

/**
 * A fake Discord and a fake KIE that outlive the bot, and a SQLite file shared by every bot process
 * started against them: the stage for crash-and-restart tests.
 */
export interface RestartableBot extends BotRig {
  readonly env: Record<string, string>;
  /** Every process started so far, oldest first. */
  readonly processes: BotProcess[];
  /** Starts a bot process and resolves once it is connected to the fake Discord. */
  start(): Promise<BotProcess>;
  /** Opens the SQLite file beside the bot (WAL lets both read it) and reads the ledger and today's usage. */
  readStore<T>(read: (store: StoreSnapshot) => Promise<T>): Promise<T>;
  /** Every log line of every process with this message, in process order. */
  logsWith(msg: string): Array<Record<string, unknown>>;
  /** SIGKILLs what still runs, closes the fakes and removes the SQLite file. */
  close(): Promise<void>;
}

export async function startRestartableBot(options: { kie?: FakeKieOptions; env?: Record<string, string>; storageUrl?: string } = {}): Promise<RestartableBot> {
  const discord = await FakeDiscord.start({ guilds: [{ id: GUILD_ID, channels: [{ id: CHANNEL_ID, name: 'general' }] }] });
  const kie = await FakeKie.start(options.kie);
  const dir: TempDir = await createTempDir('imagine-recovery');
  // A redis:// URL must name a Redis of the test's own (its default key prefix is the bot's).
  const storageUrl = options.storageUrl ?? `sqlite://${dir.file('bot.sqlite')}`;
  const env = {
    ...fakeServicesEnv(discord, kie),
    DISCORD_GUILD_ID: GUILD_ID,
    STORAGE_URL: storageUrl,
    // Downloads a killed bot leaves behind go with the test's folder, not into the machine's /tmp.
    TMPDIR: dir.path,
    ...options.env,
  };
  const processes: BotProcess[] = [];

  return {
    discord,
    kie,
    env,
    processes,
    async start() {
      const bot = startBotProcess(env);
      processes.push(bot);
      // The fake's own readiness may still reflect an earlier process: wait for this one's word.
      await bot.waitForLog((line) => line.msg === 'connected to Discord', 20_000);
      return bot;
    },
    ...memberCommands(discord, { guildId: GUILD_ID, channelId: CHANNEL_ID, defaultUser: MEMBER }),
    guild: testGuild(discord, { guildId: GUILD_ID, channelId: CHANNEL_ID }),
    async readStore(read) {
      const storage = await openStorage(storageUrl);
      try {
        return await read({
          jobs: await openJobRecords(storage),
          used: (userId) => storage.counters.used({ guildId: GUILD_ID, userId, day: utcDay(Date.now()) }),
        });
      } finally {
        await storage.close();
      }
    },
    logsWith: (msg) => processes.flatMap((bot) => bot.logs.filter((line) => line.msg === msg)),
    async close() {
      for (const bot of processes) await bot.kill('SIGKILL');
      await Promise.all([discord.close(), kie.close()]);
      await dir.remove();
      discord.assertConformingRequests();
    },
  };
}

/** The ledger's rows as written (SQLite: oldest first), read without touching them. */
async function openJobRecords(storage: Storage): Promise<JobRecord[]> {
  const sqlite = storage.kind === 'sqlite' ? sqliteOf(storage) : undefined;
  if (sqlite) {
    const rows = (await sqlite.query('SELECT record FROM imagine_jobs ORDER BY created_at')) as Array<{ record: string }>;
    return rows.map((row) => JSON.parse(row.record) as JobRecord);
  }
  return (await storage.ledger.openJobs()).jobs;
}

/** Messages that carry the image: edits of the reply, channel messages and DMs. Exactly-once means one in all. */
export function imageDeliveries(rig: Pick<RestartableBot, 'discord'>, interaction: FakeInteraction, channelId = CHANNEL_ID): FakeMessage[] {
  const dm = rig.discord.dmChannelOf(interaction.user.id);
  return [
    ...interaction.edits,
    ...rig.discord.channelMessages(channelId),
    ...(dm === undefined ? [] : rig.discord.channelMessages(dm)),
  ].filter((message) => message.attachments.length > 0);
}

/** Creates KIE accepted (it made, and bills, a task for each). */
export function acceptedCreates(kie: FakeKie): string[] {
  return kie.creates.flatMap((call) => (call.taskId === undefined ? [] : [call.taskId]));
}

export const hasImage = (message: FakeMessage): boolean => message.attachments.length > 0;
/** Progress text that only appears once the task exists, i.e. after the job was written to the ledger as 'watching'. */
export const taskKnown = (message: FakeMessage): boolean => /Queued at the image service|Generating/.test(message.content);
/** Progress text of a job in the ledger that waits for the create budget. */
export const waitingForSlot = (message: FakeMessage): boolean => message.content.includes('Waiting for a free slot');

/** The image is on the reply, byte for byte, once, and in no channel message or DM. */
export async function expectDeliveredOnce(rig: RestartableBot, interaction: FakeInteraction): Promise<void> {
  const message = await interaction.waitForOriginal(hasImage, 20_000);
  expect(message.attachments).toHaveLength(1);
  expect(Buffer.compare(message.attachments[0]!.bytes, await rig.kie.imageBytes('small'))).toBe(0);
  expect(imageDeliveries(rig, interaction)).toHaveLength(1);
}

/** Stops the last bot with SIGTERM (exit code 0) and checks it left no job behind and today's usage per member. */
export async function expectSettled(rig: RestartableBot, usage: Record<string, number>): Promise<void> {
  const last = rig.processes.at(-1)!;
  expect(await last.kill('SIGTERM')).toBe(0);
  await rig.readStore(async (store) => {
    expect(store.jobs).toEqual([]);
    for (const [userId, used] of Object.entries(usage)) expect(await store.used(userId)).toBe(used);
  });
}
