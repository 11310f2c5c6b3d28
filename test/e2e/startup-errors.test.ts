import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeDiscord } from '../fakes/discord/index.js';
import { startBotProcess } from '../helpers/bot-process.js';
import { freePort } from '../helpers/ports.js';
import { createTempDir } from '../helpers/tmp.js';

const APPLICATION_ID = '1300000000000000003';
const WRONG_TOKEN = 'wrong-token-value-4711';
const KIE_KEY = 'kie-secret-key-0815';

async function fakeDiscord(): Promise<FakeDiscord> {
  const discord = await FakeDiscord.start({ applicationId: APPLICATION_ID });
  onTestFinished(() => discord.close());
  return discord;
}

async function sqliteUrl(): Promise<string> {
  const dir = await createTempDir('imagine-startup');
  onTestFinished(() => dir.remove());
  return `sqlite://${dir.file('bot.sqlite')}`;
}

describe('start-up errors an owner can act on', () => {
  it('lists every configuration problem in one run', async () => {
    const bot = startBotProcess({ DISCORD_TOKEN: WRONG_TOKEN, QUOTA_DAILY: 'many', HEALTH_PORT: 'x' });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toEqual([
      'imagine: 4 problems in the configuration:',
      '  - DISCORD_CLIENT_ID is missing: set it in the environment or .env',
      '  - KIE_API_KEY is missing: set it in the environment or .env',
      '  - QUOTA_DAILY is invalid: expected a whole number',
      '  - HEALTH_PORT is invalid: expected a port number',
    ]);
    expect(bot.logs).toEqual([]);
  });

  it('a token Discord refuses is named as DISCORD_TOKEN, without printing it', async () => {
    const discord = await fakeDiscord();
    const bot = startBotProcess({
      DISCORD_TOKEN: WRONG_TOKEN,
      DISCORD_CLIENT_ID: APPLICATION_ID,
      DISCORD_API_URL: discord.apiUrl,
      KIE_API_KEY: KIE_KEY,
      KIE_API_URL: 'http://127.0.0.1:9',
      STORAGE_URL: await sqliteUrl(),
    });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toEqual(['imagine: DISCORD_TOKEN was refused by Discord (401): copy the bot token again from the Developer Portal (Bot → Reset Token)']);
    const all = JSON.stringify(bot.logs) + bot.stderr.join('\n');
    expect(all).not.toContain(WRONG_TOKEN);
    expect(all).not.toContain(KIE_KEY);
  }, 30_000);

  it('a Discord that cannot be reached is named as DISCORD_API_URL', async () => {
    const apiUrl = `http://127.0.0.1:${await freePort()}/api`;
    const bot = startBotProcess({
      DISCORD_TOKEN: WRONG_TOKEN,
      DISCORD_CLIENT_ID: APPLICATION_ID,
      DISCORD_API_URL: apiUrl,
      KIE_API_KEY: KIE_KEY,
      STORAGE_URL: await sqliteUrl(),
    });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toEqual([`imagine: could not reach Discord at DISCORD_API_URL (${apiUrl}): ECONNREFUSED`]);
  }, 60_000);
});

describe('npm run register', () => {
  const register = (env: Record<string, string>) => startBotProcess({ LOG_LEVEL: 'info', ...env }, { entry: 'src/register-cli.ts' });

  it('publishes the commands with only the Discord variables set', async () => {
    const discord = await fakeDiscord();
    const run = register({ DISCORD_TOKEN: 'fake-bot-token', DISCORD_CLIENT_ID: APPLICATION_ID, DISCORD_API_URL: discord.apiUrl });
    expect(await run.exited).toBe(0);
    expect(run.stderr).toEqual(['Commands published.']);
    expect(discord.commands().map((command) => command.name).sort()).toEqual(['Edit image', 'blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings']);
  }, 30_000);

  it('names DISCORD_TOKEN when Discord refuses it, and publishes nothing', async () => {
    const discord = await fakeDiscord();
    const run = register({ DISCORD_TOKEN: WRONG_TOKEN, DISCORD_CLIENT_ID: APPLICATION_ID, DISCORD_API_URL: discord.apiUrl });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toEqual([
      'imagine register: DISCORD_TOKEN was refused by Discord (401): copy the bot token again from the Developer Portal (Bot → Reset Token)',
    ]);
    expect(discord.requests.filter((request) => request.method === 'PUT')).toEqual([]);
    expect(JSON.stringify(run.logs)).not.toContain(WRONG_TOKEN);
  }, 30_000);

  it('lists the missing Discord variables, and asks for nothing else', async () => {
    const run = register({});
    expect(await run.exited).toBe(1);
    expect(run.stderr).toEqual([
      'imagine register: 2 problems in the configuration:',
      '  - DISCORD_TOKEN is missing: set it in the environment or .env',
      '  - DISCORD_CLIENT_ID is missing: set it in the environment or .env',
    ]);
  });

  it('LOG_FORMAT=pretty writes lines for a person instead of JSON', async () => {
    const discord = await fakeDiscord();
    const run = register({ DISCORD_TOKEN: 'fake-bot-token', DISCORD_CLIENT_ID: APPLICATION_ID, DISCORD_API_URL: discord.apiUrl, LOG_FORMAT: 'pretty' });
    expect(await run.exited).toBe(0);
    // The helper keeps lines that are not JSON as they are.
    const line = run.logs.find((entry) => entry.msg.includes('commands registered'));
    expect(line?.msg).toMatch(/INFO.*commands registered/);
    expect(run.logs.every((entry) => !entry.msg.startsWith('{'))).toBe(true);
  }, 30_000);
});
