import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeDiscord } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { waitUntilGone } from '../helpers/pids.js';
import { CHANNEL_ID, GUILD_ID, MEMBER } from '../helpers/ids.js';

const GUILD = GUILD_ID;
const CHANNEL = CHANNEL_ID;

function line0(bot: BotProcess, msg: string): Record<string, unknown> {
  const found = bot.logs.find((l) => l.msg === msg);
  if (!found) throw new Error(`no "${msg}" line`);
  return found;
}


/** The variables every start needs, with values the tests look for in what the bot prints. */
const REQUIRED_SECRETS = { DISCORD_TOKEN: 'secret-token-value-123', DISCORD_CLIENT_ID: '1300000000000000003', KIE_API_KEY: 'kie-secret-456' };
describe('the bot as a process (npm start)', () => {
  async function fakes() {
    const discord = await FakeDiscord.start({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
    const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
    const dir = await mkdtemp(join(tmpdir(), 'imagine-proc-'));
    onTestFinished(() => discord.close());
    onTestFinished(() => kie.close());
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const env = {
      ...fakeServicesEnv(discord, kie),
      STORAGE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    };
    return { discord, kie, dir, env };
  }

  function track(bot: BotProcess): BotProcess {
    onTestFinished(async () => {
      await bot.kill('SIGKILL');
    });
    return bot;
  }

  it('npm start registers the commands globally and serves /imagine end to end', async () => {
    const { discord, kie, env } = await fakes();
    const bot = track(startBotProcess(env, { viaNpm: true }));
    await discord.waitForReady(20_000);
    await bot.waitForLog((l) => l.msg === 'commands registered', 20_000);
    expect(discord.commands().map((c) => c.name).sort()).toEqual(['Edit image', 'blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings']);

    const interaction = discord.dispatchInteraction({
      commandName: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a red fox in snow' }],
      guildId: GUILD,
      channelId: CHANNEL,
      user: { id: MEMBER.id },
    });
    const ack = await interaction.waitForResponse();
    expect(ack.type).toBe(5);
    expect(ack.latencyMs).toBeLessThan(3000);
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(Buffer.compare(message.attachments[0]!.bytes, await kie.imageBytes('small'))).toBe(0);

    // Logs: one line per step, no secret anywhere.
    for (const step of ['imagine received', 'deferred', 'task created', 'task succeeded', 'image delivered']) {
      const line = await bot.waitForLog((l) => l.msg === step, 5_000);
      expect(line).toMatchObject({ guildId: GUILD, userId: MEMBER.id });
    }
    const all = JSON.stringify(bot.logs) + bot.stderr.join('\n');
    expect(all).not.toContain(env.DISCORD_TOKEN);
    expect(all).not.toContain(env.KIE_API_KEY);
    expect(all).not.toContain(interaction.token);

    // SIGTERM to npm alone (as a supervisor or `docker stop` sends it) reaches the bot, which exits 0.
    const botPid = Number(line0(bot, 'connected to Discord')['pid']);
    expect(botPid).not.toBe(bot.child.pid);
    process.kill(bot.child.pid!, 'SIGTERM');
    expect(await bot.exited).toBe(0);
    await waitUntilGone([botPid], 10_000);
    // The exit can be seen before the last lines are read from the pipe.
    await bot.waitForLog((l) => l.msg.startsWith('shutting down'), 5_000);
  }, 60_000);

  it('SIGTERM to the npm process alone parks the running job and the bot exits 0 within 10 s, leaving no process behind', async () => {
    const { discord, kie, env } = await fakes();
    const bot = track(startBotProcess(env, { viaNpm: true }));
    await bot.waitForLog((l) => l.msg === 'connected to Discord', 30_000);
    const botPid = Number(line0(bot, 'connected to Discord')['pid']);
    kie.nextCreate({ scenario: { durationMs: 30_000 } });
    discord.dispatchInteraction({
      commandName: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a slow kettle' }],
      guildId: GUILD,
      channelId: CHANNEL,
      user: { id: MEMBER.id },
    });
    const created = await bot.waitForLog((l) => l.msg === 'task created', 15_000);

    const signalledAt = Date.now();
    process.kill(bot.child.pid!, 'SIGTERM');
    // npm reports the bot's own exit code: 0 means a clean stop, not death by the signal.
    expect(await bot.exited).toBe(0);
    await waitUntilGone([botPid], 10_000 - (Date.now() - signalledAt));
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    await bot.waitForLog((l) => l.msg === 'job left in the ledger for the next start' && l['taskId'] === created['taskId'], 5_000);
  }, 60_000);

  it('a second start finds identical commands and does not publish them again', async () => {
    const { discord, env } = await fakes();
    const first = track(startBotProcess(env));
    await first.waitForLog((l) => l.msg === 'commands registered', 20_000);
    await first.kill('SIGTERM');
    const second = track(startBotProcess(env));
    await second.waitForLog((l) => l.msg === 'commands already registered', 20_000);
    expect(discord.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/commands'))).toHaveLength(1);
  }, 60_000);

  it('exits non-zero with one line naming a missing variable, without printing secrets', async () => {
    const bot = startBotProcess({ DISCORD_TOKEN: 'secret-token-value-123', KIE_API_KEY: 'kie-secret-456' });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toEqual(['imagine: DISCORD_CLIENT_ID is missing: set it in the environment or .env']);
    expect(bot.logs).toEqual([]);
  });

  it('refuses to start with CALLBACK_URL but no WEBHOOK_HMAC_KEY, in one line naming the variable', async () => {
    const bot = startBotProcess({
      ...REQUIRED_SECRETS,
      CALLBACK_URL: 'https://bot.example.com/kie/callback',
    });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toHaveLength(1);
    expect(bot.stderr[0]).toMatch(/^imagine: WEBHOOK_HMAC_KEY is missing: CALLBACK_URL is set/);
    expect(bot.logs).toEqual([]);
  });

  it('exits non-zero with one line when the store cannot be reached', async () => {
    const bot = startBotProcess({
      ...REQUIRED_SECRETS,
      STORAGE_URL: 'redis://:hunter2@127.0.0.1:1',
    });
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toHaveLength(1);
    expect(bot.stderr[0]).toMatch(/^imagine: STORAGE_URL/);
    expect(bot.stderr[0]).not.toContain('hunter2');
  });
});
