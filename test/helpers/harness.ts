import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { App, AppTuning } from '../../src/app-options.js';
import { createApp } from '../../src/app.js';
import { configSecrets, loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { FakeDiscord, type FakeDiscordOptions } from '../fakes/discord/index.js';
import { FakeKie, type FakeKieOptions } from '../fakes/kie/index.js';
import { fakeServicesEnv } from './bot-process.js';
import { memberCommands, type BotRig } from './bot-rig.js';
import { CHANNEL_ID, GUILD_ID, MEMBER } from './ids.js';
import { testGuild } from './members.js';

export { ADMIN, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, MEMBER } from './ids.js';

export interface HarnessOptions {
  env?: Record<string, string>;
  discord?: FakeDiscordOptions;
  kie?: FakeKieOptions;
  /** A fake Discord shared with a later bot of the test (a restart); the caller closes it and checks its requests. */
  sharedDiscord?: FakeDiscord;
  /** A fake KIE shared with other bots of the test (the caller closes it); `kie` options are then ignored. */
  sharedKie?: FakeKie;
  /** Defaults to a fresh SQLite file in a temp folder. */
  storageUrl?: string;
  storageKeyPrefix?: string;
  tuning?: AppTuning;
  /**
   * Default true: `tuning` is laid over fast test defaults (polls of one task at least 150 ms apart, 200 ms progress edits). False passes
   * `tuning` as given, so the app keeps its own poll schedule (e.g. to see KIE callbacks take effect).
   */
  tuningDefaults?: boolean;
  /** The bot's download folder; by default a fresh one inside the harness's temp folder. */
  downloadDir?: string;
  /** Default false: closing fails the test if the bot sent Discord a body its OpenAPI description refuses. */
  allowSpecViolations?: boolean;
  /** Where the bot's JSON log lines go (e.g. captureLogs().destination); set LOG_LEVEL in env to see them. */
  logDestination?: DestinationStream;
}

/** A bot in this process (discord.js client included) and what a test reads of it. */
export interface Harness extends BotRig {
  app: App;
  storage: Storage;
  config: Config;
  dataDir: string;
  /** Where the bot puts downloaded images until they are re-encoded; empty between jobs. */
  downloadDir: string;
}

/** A real bot (discord.js client included) wired to a fake Discord and a fake KIE on loopback, in this process. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'imagine-test-'));
  const discord =
    options.sharedDiscord ??
    (await FakeDiscord.start({
      guilds: [{ id: GUILD_ID, name: 'Test guild', channels: [{ id: CHANNEL_ID, name: 'general' }] }],
      ...options.discord,
    }));
  const kie = options.sharedKie ?? (await FakeKie.start({ defaultScenario: { durationMs: 300 }, ...options.kie }));
  const config = loadConfig({
    ...fakeServicesEnv(discord, kie),
    DISCORD_GUILD_ID: GUILD_ID,
    STORAGE_URL: options.storageUrl ?? `sqlite://${join(dataDir, 'bot.sqlite')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const logger = createLogger({
    level: config.logLevel,
    secrets: configSecrets(config),
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const storage = await openStorage(config.storageUrl, options.storageKeyPrefix ? { keyPrefix: options.storageKeyPrefix } : {});
  const tuning = options.tuningDefaults === false ? (options.tuning ?? {}) : { polling: { minIntervalMs: 150 }, progressIntervalMs: 200, firstProgressEditMs: 0, ...options.tuning };
  const downloadDir = options.downloadDir ?? join(dataDir, 'downloads');
  await mkdir(downloadDir, { recursive: true });
  const app = createApp({ config, logger, storage, downloadDir, tuning });
  await app.start();
  await discord.waitForReady();

  let closing: Promise<void> | undefined;
  const commands = memberCommands(discord, { guildId: GUILD_ID, channelId: CHANNEL_ID, defaultUser: MEMBER });

  return {
    discord,
    kie,
    app,
    storage,
    config,
    dataDir,
    downloadDir,
    ...commands,
    guild: testGuild(discord, { guildId: GUILD_ID, channelId: CHANNEL_ID }),
    // Idempotent: a test may stop a bot itself (a restart) before the fixture's teardown closes it again.
    close() {
      closing ??= (async () => {
        await app.stop();
        await storage.close();
        await Promise.all([options.sharedDiscord ? undefined : discord.close(), options.sharedKie ? undefined : kie.close()]);
        await rm(dataDir, { recursive: true, force: true });
        if (!options.allowSpecViolations && !options.sharedDiscord) discord.assertConformingRequests();
      })();
      return closing;
    },
  };
}
