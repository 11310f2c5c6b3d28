import { PermissionFlagsBits } from 'discord.js';
import { describe, expect} from 'vitest';
import { messages } from '../../src/messages.js';
import { lastDays, utcDay } from '../../src/quota/day.js';
import type { CommandOptionSpec, FakeUserSpec } from '../fakes/discord/index.js';
import { ADMIN, GUILD_ID, MANAGE_GUILD, MEMBER, type Harness } from '../helpers/harness.js';
import { captureLogs } from '../helpers/log-capture.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply, type FirstReply } from '../helpers/replies.js';
import { it } from '../helpers/fixtures.js';
import { jobsIdle } from '../helpers/jobs.js';
import { person } from '../helpers/ids.js';

const OTHER = person('sculptor');
const THIRD = person('potter');
const ADMINISTRATOR = String(PermissionFlagsBits.Administrator);
/** Manage Messages and Kick Members: moderator-ish, but not Manage Server. */
const MODERATOR = String(PermissionFlagsBits.ManageMessages | PermissionFlagsBits.KickMembers);

interface AdminArgs {
  limit?: number;
  user?: FakeUserSpec;
  word?: string;
}

/** The options Discord sends for `/imagine-admin <path>`: a subcommand (type 1), or a group (type 2) holding one. */
function adminOptions(path: string, args: AdminArgs): CommandOptionSpec[] {
  const leaf: CommandOptionSpec[] = [];
  if (args.limit !== undefined) leaf.push({ name: 'limit', type: 4, value: args.limit });
  if (args.user !== undefined) leaf.push({ name: 'user', type: 6, value: args.user.id });
  if (args.word !== undefined) leaf.push({ name: 'word', type: 3, value: args.word });
  const subcommand = (name: string): CommandOptionSpec => ({ name, type: 1, ...(leaf.length > 0 ? { options: leaf } : {}) });
  const [first, second] = path.split(' ') as [string, string | undefined];
  return second === undefined ? [subcommand(first)] : [{ name: first, type: 2, options: [subcommand(second)] }];
}

/** Runs an admin subcommand and checks the answer is an immediate private message that pings no one. */
async function admin(h: Harness, path: string, args: AdminArgs = {}, as: { user?: FakeUserSpec; permissions?: string } = {}): Promise<string> {
  const interaction = h.command('imagine-admin', adminOptions(path, args), {
    user: as.user ?? ADMIN,
    memberPermissions: as.permissions ?? MANAGE_GUILD,
    ...(args.user ? { resolvedUsers: [args.user] } : {}),
  });
  const reply = await firstReply(interaction);
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.status).toBeLessThan(300);
  expect(reply.ephemeral).toBe(true);
  expect(interaction.isEphemeral()).toBe(true);
  expect(interaction.original()?.mentions).toEqual({ everyone: false, users: [], roles: [] });
  return reply.content;
}

async function imagine(h: Harness, user: FakeUserSpec = MEMBER, prompt = 'a lighthouse at dusk'): Promise<FirstReply> {
  return firstReply(h.imagine({ prompt, user }));
}

/** Waits for the accepted jobs' tasks and for every job to end, then checks KIE saw exactly `count` createTask calls. */
async function expectCreates(h: Harness, count: number): Promise<void> {
  await h.kie.waitFor(() => h.kie.creates.length >= count, 10_000);
  await jobsIdle(h.app.jobs);
  expect(h.kie.creates).toHaveLength(count);
}

function expectAccepted(reply: FirstReply): void {
  expect(reply, reply.content).toMatchObject({ type: CALLBACK_DEFERRED, ephemeral: false });
}

function expectRefused(reply: FirstReply, pattern: RegExp): void {
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.ephemeral).toBe(true);
  expect(reply.content).toMatch(pattern);
}

describe('/imagine-admin end to end (real discord.js client, fake Discord and KIE)', () => {
  it('limit: member limit beats the server limit, which beats QUOTA_DAILY; 0 stops a member at once', async ({ bot }) => {
    // Images may still be in progress when the next is sent: only the daily limits are at stake here.
    const h = await bot({ env: { QUOTA_DAILY: '4', MAX_ACTIVE_PER_MEMBER: '20' } });
    expect(await admin(h, 'limit', { limit: 2 })).toBe('The daily limit for this server is now 2 images per member.');
    expectAccepted(await imagine(h));
    expectAccepted(await imagine(h));
    expectRefused(await imagine(h), /\(2\/2\)/);

    expect(await admin(h, 'limit', { limit: 5, user: OTHER })).toBe(`<@${OTHER.id}> can now generate 5 images a day.`);
    for (let i = 0; i < 5; i++) expectAccepted(await imagine(h, OTHER));
    expectRefused(await imagine(h, OTHER), /\(5\/5\)/);
    // The override is for that member only.
    expectRefused(await imagine(h, MEMBER), /\(2\/2\)/);

    expect(await admin(h, 'limit', { limit: 0, user: THIRD })).toBe(`<@${THIRD.id}> can now generate 0 images a day.`);
    expectRefused(await imagine(h, THIRD), /not available to you.*daily limit is 0/);

    await expectCreates(h, 7);
    expect(h.kie.creates.filter((c) => c.taskId !== undefined)).toHaveLength(7);
  });

  it('without any admin limit, QUOTA_DAILY applies', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' } });
    expectAccepted(await imagine(h));
    expectRefused(await imagine(h), /\(1\/1\)/);
    await expectCreates(h, 1);
  });

  it('reset gives a member at their limit today back', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' } });
    expectAccepted(await imagine(h));
    expectRefused(await imagine(h), /\(1\/1\)/);
    expect(await admin(h, 'reset', { user: MEMBER })).toBe(`Today's usage of <@${MEMBER.id}> is back to 0.`);
    expectAccepted(await imagine(h));
    await expectCreates(h, 2);
  });

  it('block refuses the member privately without reaching KIE or costing quota; unblock restores', async ({ bot }) => {
    const h = await bot();
    expect(await admin(h, 'block', { user: MEMBER })).toBe(`<@${MEMBER.id}> can no longer generate images in this server.`);
    expect(await admin(h, 'block', { user: MEMBER })).toBe(`<@${MEMBER.id}> was already blocked.`);
    expectRefused(await imagine(h), /not allowed to generate images/);
    expectAccepted(await imagine(h, OTHER));
    await expectCreates(h, 1);
    expect(await h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(0);

    expect(await admin(h, 'unblock', { user: MEMBER })).toBe(`<@${MEMBER.id}> can generate images again.`);
    expect(await admin(h, 'unblock', { user: MEMBER })).toBe(`<@${MEMBER.id}> was not blocked.`);
    expectAccepted(await imagine(h));
    await expectCreates(h, 2);
  });

  it('usage shows the server totals and top members, and one member over today and the last 7 days', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '10' } });
    expect(await admin(h, 'usage')).toContain('nobody yet');
    const jobs = [h.imagine({ prompt: 'one' }), h.imagine({ prompt: 'two' }), h.imagine({ prompt: 'three', user: OTHER })];
    for (const job of jobs) await job.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    // Earlier days of the week, as the counters would hold them.
    const week = lastDays(Date.now(), 7);
    const [todayKey, yesterdayKey, threeDaysAgoKey, sixDaysAgoKey] = [week[0]!, week[1]!, week[3]!, week[6]!];
    for (let i = 0; i < 3; i++) await h.storage.counters.reserve({ guildId: GUILD_ID, userId: OTHER.id, day: yesterdayKey }, 10);
    await h.storage.counters.reserve({ guildId: GUILD_ID, userId: MEMBER.id, day: threeDaysAgoKey }, 10);
    await h.storage.counters.reserve({ guildId: GUILD_ID, userId: THIRD.id, day: sixDaysAgoKey }, 10);
    // The report writes each day as the admin's locale writes a short date ("Dec 7").
    const [today, yesterday, threeDaysAgo, sixDaysAgo] = [todayKey, yesterdayKey, threeDaysAgoKey, sixDaysAgoKey].map((day) => messages.format.day(day));

    const guild = await admin(h, 'usage');
    expect(guild).toContain('Today: 3 images · last 7 days: 8 images');
    expect(guild).toContain(`${today}: 3 · ${yesterday}: 3 · `);
    expect(guild).toContain(`${threeDaysAgo}: 1`);
    expect(guild).toContain(`${sixDaysAgo}: 1`);
    expect(guild).toContain(`**Top members today**\n1. <@${MEMBER.id}>: 2\n2. <@${OTHER.id}>: 1\n**`);
    expect(guild).toMatch(new RegExp(`\\*\\*Top members, last 7 days\\*\\*\\n1\\. <@${OTHER.id}>: 4\\n2\\. <@${MEMBER.id}>: 3\\n3\\. <@${THIRD.id}>: 1$`));
    expect(await admin(h, 'usage', { user: THIRD })).toContain('Today: 0/10\nLast 7 days: 1 image\n');

    const member = await admin(h, 'usage', { user: OTHER });
    expect(member).toContain(`Usage of <@${OTHER.id}>`);
    expect(member).toContain('Today: 1/10');
    expect(member).toContain('Last 7 days: 4 images');
    expect(member).toContain(`${today}: 1 · ${yesterday}: 3`);
  });

  it('banned words: refused privately naming the word, through case, leetspeak and accents, never as part of a word', async ({ bot }) => {
    const h = await bot();
    expect(await admin(h, 'words list')).toBe('No banned words in this server.');
    expect(await admin(h, 'words add', { word: 'Cat' })).toBe('Added `cat` to the banned words (1 in all).');
    expect(await admin(h, 'words add', { word: 'c4t' })).toBe('`cat` was already banned.');
    expect(await admin(h, 'words add', { word: 'red dragon' })).toBe('Added `red dragon` to the banned words (2 in all).');
    expect(await admin(h, 'words list')).toBe('Banned words (2): `cat`, `red dragon`');

    for (const prompt of ['a C@T on a mat', 'a CAT!', 'a çàt', 'a c4t', 'ｃａｔ', 'c\u200Bat nap', 'the RED-dragon']) {
      const refused = await imagine(h, MEMBER, prompt);
      expectRefused(refused, /does not allow/);
      expect(refused.content).toContain(prompt.toLowerCase().includes('dragon') ? '`red dragon`' : '`cat`');
    }
    await expectCreates(h, 0);
    expectAccepted(await imagine(h, MEMBER, 'concatenate the scattered dragons'));
    await expectCreates(h, 1);

    expect(await admin(h, 'words remove', { word: 'CAT' })).toBe('Removed `cat` from the banned words (1 left).');
    expect(await admin(h, 'words remove', { word: 'cat' })).toBe('`cat` is not in the banned words.');
    expectAccepted(await imagine(h, MEMBER, 'a C@T on a mat'));
    await expectCreates(h, 2);
    expect(h.kie.creates[1]!.body).toMatchObject({ input: { prompt: 'a C@T on a mat' } });
    expect(await admin(h, 'words list')).toBe('Banned words (1): `red dragon`');
  });

  it('a banned word the store rejects is explained to the admin, not reported as a crash', async ({ bot }) => {
    const h = await bot();
    expect(await admin(h, 'words add', { word: '\u200B\u200B' })).toBe('The banned word is empty.');
    // NFKC turns this one character into 18, over the 64-character limit once repeated.
    expect(await admin(h, 'words add', { word: '\uFDFA'.repeat(4) })).toMatch(/at most 64 characters/);
    expect(await admin(h, 'words list')).toBe('No banned words in this server.');
  });

  it('a full list of long banned words still fits in one message, and the 201st word is refused with the reason', async ({ bot }) => {
    const h = await bot();
    const words = Array.from({ length: 200 }, (_, index) => `${'forbidden'.repeat(6)}${String(index).padStart(3, '0')}`);
    for (const word of words) await h.app.services.settings.addBannedWord(GUILD_ID, word);
    const list = await admin(h, 'words list');
    expect(list.length).toBeLessThanOrEqual(2000);
    expect(list).toMatch(/^Banned words \(200\): `forbidden/);
    expect(list).toMatch(/, … and \d+ more not shown\.$/);
    const shown = list.match(/`[^`]+`/g) ?? [];
    expect(shown.length + Number(/and (\d+) more/.exec(list)?.[1])).toBe(200);
    expect(await admin(h, 'words add', { word: 'one more' })).toBe('This server already has the maximum of 200 banned words.');
  });

  it('pause refuses new jobs privately with the reason while running jobs finish; resume restarts', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 1200 } } });
    const running = h.imagine({ prompt: 'started before the pause' });
    expectAccepted(await firstReply(running));
    await h.kie.waitFor(() => h.kie.creates.length === 1);

    expect(await admin(h, 'pause')).toBe('Image generation is now paused in this server. Running jobs will finish.');
    expect(await admin(h, 'pause')).toBe('Image generation was already paused.');
    expectRefused(await imagine(h), /paused in this server by its admins/);
    expectRefused(await imagine(h, OTHER), /paused/);
    await expectCreates(h, 1);
    const finished = await running.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(finished.attachments).toHaveLength(1);

    expect(await admin(h, 'resume')).toBe('Image generation is running again in this server.');
    expect(await admin(h, 'resume')).toBe('Image generation was not paused.');
    expectAccepted(await imagine(h));
    await expectCreates(h, 2);
  });

  it('a member without Manage Server is refused privately and nothing changes', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' } });
    for (const permissions of ['0', MODERATOR]) {
      const as = { user: MEMBER, permissions };
      const adminOnly = 'You need the **Manage Server** permission to use this command.';
      expect(await admin(h, 'pause', {}, as)).toBe(adminOnly);
      expect(await admin(h, 'limit', { limit: 50 }, as)).toBe(adminOnly);
      expect(await admin(h, 'limit', { limit: 50, user: MEMBER }, as)).toBe(adminOnly);
      expect(await admin(h, 'block', { user: OTHER }, as)).toBe(adminOnly);
      expect(await admin(h, 'words add', { word: 'lighthouse' }, as)).toBe(adminOnly);
    }
    expect(await h.app.services.settings.get(GUILD_ID)).toEqual({ paused: false, defaultLimit: undefined, bannedWords: [], allowedChannels: [] });
    expect(await h.app.services.settings.userLimit(GUILD_ID, MEMBER.id)).toBeUndefined();
    expect(await h.app.services.settings.isBlocked(GUILD_ID, OTHER.id)).toBe(false);
    expectAccepted(await imagine(h, OTHER, 'a lighthouse'));
    expectAccepted(await imagine(h, MEMBER, 'a lighthouse'));
    expectRefused(await imagine(h, MEMBER, 'a lighthouse'), /\(1\/1\)/);

    // After a refused reset, the member is still at their limit.
    expect(await admin(h, 'reset', { user: MEMBER }, { user: MEMBER, permissions: '0' })).toMatch(/Manage Server/);
    expectRefused(await imagine(h, MEMBER), /\(1\/1\)/);
  });

  it('Administrator alone is enough (it implies every permission)', async ({ bot }) => {
    const h = await bot();
    const as = { user: THIRD, permissions: ADMINISTRATOR };
    expect(await admin(h, 'pause', {}, as)).toBe('Image generation is now paused in this server. Running jobs will finish.');
    expectRefused(await imagine(h), /paused/);
    expect(await admin(h, 'resume', {}, as)).toBe('Image generation is running again in this server.');
    expectAccepted(await imagine(h));
  });

  it('every admin action is logged with who, what, whom and when; refusals are logged as such', async ({ bot }) => {
    const logs = captureLogs();
    const h = await bot({ env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
    const before = Date.now();
    await admin(h, 'block', { user: OTHER });
    await admin(h, 'words add', { word: 'cat' });
    await admin(h, 'limit', { limit: 3 });
    await admin(h, 'pause', {}, { user: MEMBER, permissions: '0' });
    const after = Date.now();

    const actions = logs.lines.filter((line) => line.msg === 'admin action');
    expect(actions.map((line) => line['action'])).toEqual(['block', 'words add', 'limit']);
    expect(actions[0]).toMatchObject({ adminId: ADMIN.id, guildId: GUILD_ID, action: 'block', targetUserId: OTHER.id });
    expect(actions[1]).not.toHaveProperty('targetUserId');
    for (const line of actions) {
      expect(line['adminId']).toBe(ADMIN.id);
      const at = Date.parse(String(line['at']));
      expect(at).toBeGreaterThanOrEqual(before - 5);
      expect(at).toBeLessThanOrEqual(after + 5);
    }
    const refused = logs.lines.filter((line) => line.msg === 'command refused: missing permission');
    expect(refused).toEqual([expect.objectContaining({ userId: MEMBER.id, guildId: GUILD_ID, command: 'imagine-admin', action: 'pause', permission: 'ManageGuild' })]);
    expect(Date.parse(String(refused[0]!['at']))).toBeGreaterThanOrEqual(before - 5);
  });
});
