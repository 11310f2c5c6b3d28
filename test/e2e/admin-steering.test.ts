import { describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import type { FakeMessage } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import type { Harness, HarnessOptions } from '../helpers/harness.js';
import { channelId, CHANNEL_ID, crowd, GUILD_ID, MANAGE_GUILD, MEMBER, person, roleId } from '../helpers/ids.js';
import { hasImage } from '../helpers/image-loop.js';
import type { AdminArgs, AdminPath } from '../helpers/members.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { jobsIdle } from '../helpers/jobs.js';

const ART_CHANNEL = channelId(3);
const LOG_CHANNEL = channelId(4);
const ART_THREAD = channelId(5);
const LATE_ART_THREAD = channelId(6);
const GENERAL_THREAD = channelId(7);
const ARTISTS = roleId(0);
const OTHER = person('sculptor');
const NO_MENTIONS = { everyone: false, users: [], roles: [] };

/** A bot in a server with three channels (general, art and a log channel) and threads in general and art. */
const stage = (options: HarnessOptions = {}): HarnessOptions => ({
  ...options,
  discord: {
    guilds: [
      {
        id: GUILD_ID,
        channels: [
          { id: CHANNEL_ID, name: 'general' },
          { id: ART_CHANNEL, name: 'art' },
          { id: LOG_CHANNEL, name: 'mod-log' },
          { id: ART_THREAD, name: 'cats', parentId: ART_CHANNEL },
          { id: LATE_ART_THREAD, name: 'dogs', parentId: ART_CHANNEL, announced: false },
          { id: GENERAL_THREAD, name: 'chatter', parentId: CHANNEL_ID },
        ],
      },
    ],
    ...options.discord,
  },
});

/** `/imagine-admin <path>` by an admin; checks the answer is private and pings no one, and returns its text. */
async function admin<P extends AdminPath>(h: Harness, path: P, args?: AdminArgs<P>): Promise<string> {
  const interaction = h.guild.member('admin', { permissions: MANAGE_GUILD }).admin(path, args);
  const reply = await firstReply(interaction);
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.ephemeral).toBe(true);
  expect(interaction.original()?.mentions).toEqual(NO_MENTIONS);
  return reply.content;
}

/** The painter (MEMBER), who asks in most of these tests. */
const painter = (h: Harness) => h.guild.member('painter');

const logPosts = (h: Harness): FakeMessage[] => h.discord.channelMessages(LOG_CHANNEL);
const titleOf = (message: FakeMessage): string => (message.embeds[0] as { title?: string }).title ?? '';

async function quota(h: Harness, roles: string[] = []): Promise<string> {
  return (await firstReply(painter(h).withRoles(roles).quota())).content;
}

describe('the moderation log channel', () => {
  it('gets every generation, banned-word and blocked refusal, and admin action, and pings no one', async ({ bot }) => {
    const h = await bot(stage());
    expect(await admin(h, 'log channel', { channel: LOG_CHANNEL })).toBe(messages.logChannelSet(LOG_CHANNEL));
    expect(logPosts(h).map(titleOf)).toEqual(['🛠️ /imagine-admin log channel']);

    const delivered = await painter(h).imagine({ prompt: 'a heron at dawn' }).waitForOriginal(hasImage, 15_000);
    await expect.poll(() => logPosts(h).length, { timeout: 5_000 }).toBe(2);
    const generation = logPosts(h)[1]!.embeds[0] as { title: string; description: string; thumbnail: { url: string }; fields: Array<{ name: string; value: string }> };
    expect(generation.title).toBe(messages.logGenerationTitle);
    expect(generation.description).toBe('a heron at dawn');
    expect(generation.thumbnail.url).toBe(h.discord.attachmentUrl(CHANNEL_ID, delivered.attachments[0]!));
    expect(generation.fields).toEqual(
      expect.arrayContaining([
        { name: 'Member', value: `<@${MEMBER.id}>`, inline: true },
        { name: 'Image', value: `[Jump to the message](https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${delivered.id})`, inline: true },
      ]),
    );

    await admin(h, 'pause');
    await admin(h, 'resume');
    await h.app.services.settings.addBannedWord(GUILD_ID, 'gore');
    await h.app.services.settings.setBlocked(GUILD_ID, OTHER.id, true);
    expect((await firstReply(painter(h).imagine({ prompt: 'some GORE here' }))).content).toBe(messages.bannedWord('gore'));
    expect((await firstReply(h.guild.member(OTHER).imagine({ prompt: 'a quiet pond' }))).content).toBe(messages.blocked);
    await expect.poll(() => logPosts(h).length, { timeout: 5_000 }).toBe(6);
    expect(logPosts(h).map(titleOf)).toEqual([
      '🛠️ /imagine-admin log channel',
      messages.logGenerationTitle,
      '🛠️ /imagine-admin pause',
      '🛠️ /imagine-admin resume',
      messages.logBannedWordTitle('gore'),
      messages.logBlockedTitle,
    ]);
    // The image loop's Delete is logged too.
    const deleted = painter(h).press(delivered, 'Delete');
    expect((await deleted.waitForResponse()).type).toBe(6);
    await expect.poll(() => logPosts(h).map(titleOf).at(-1), { timeout: 5_000 }).toBe(messages.logDeletedTitle);
    for (const post of logPosts(h)) {
      expect(post.allowedMentions).toEqual({ parse: [] });
      expect(post.mentions).toEqual(NO_MENTIONS);
    }
  });

  it('when the bot may not post there, the admin is told and generation goes on', async ({ bot }) => {
    const h = await bot(stage());
    h.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${LOG_CHANNEL}/messages$`), status: 403, body: { message: 'Missing Access', code: 50001 }, times: 100 });
    const reply = await admin(h, 'log channel', { channel: LOG_CHANNEL });
    expect(reply).toContain(messages.logChannelSet(LOG_CHANNEL));
    expect(reply).toContain(messages.logChannelUnreachable(LOG_CHANNEL));

    await painter(h).imagine({ prompt: 'a heron at dawn' }).waitForOriginal(hasImage, 15_000);
    await expect.poll(() => h.discord.requests.filter((r) => r.path === `/channels/${LOG_CHANNEL}/messages`).length, { timeout: 5_000 }).toBe(2);
    // The failed post of the generation is reported to the next admin command.
    expect(await admin(h, 'channels list')).toContain(messages.logChannelUnreachable(LOG_CHANNEL));
    expect(await admin(h, 'log off')).toContain(messages.logOff(LOG_CHANNEL));
  });
});

describe('role limits', () => {
  it("a member's allowance is their own limit, else their highest role limit, else the server's, and /quota says which", async ({ bot }) => {
    const h = await bot(stage({ env: { QUOTA_DAILY: '1' } }));
    expect(await admin(h, 'limit', { limit: 2, role: ARTISTS })).toBe(messages.roleLimitSet(ARTISTS, 2));
    expect(await quota(h)).toContain("1 image a day, the bot's default limit");
    expect(await quota(h, [ARTISTS])).toContain(`2 images a day, from your role <@&${ARTISTS}>`);

    const replies = [];
    for (const prompt of ['one', 'two', 'three']) replies.push(await firstReply(painter(h).withRoles([ARTISTS]).imagine({ prompt })));
    expect(replies.map((reply) => reply.type)).toEqual([CALLBACK_DEFERRED, CALLBACK_DEFERRED, CALLBACK_MESSAGE]);
    expect((await firstReply(h.guild.member(OTHER).imagine({ prompt: 'four' }))).type).toBe(CALLBACK_DEFERRED);
    expect((await firstReply(h.guild.member(OTHER).imagine({ prompt: 'five' }))).type).toBe(CALLBACK_MESSAGE);

    await admin(h, 'limit', { limit: 5 });
    expect(await quota(h)).toContain("5 images a day, this server's limit");
    await h.app.services.settings.setUserLimit(GUILD_ID, MEMBER.id, 1);
    expect(await quota(h, [ARTISTS])).toContain('1 image a day, set for you by an admin');
    await jobsIdle(h.app.jobs);
  });
});

describe('channels', () => {
  it('with a list, /imagine elsewhere is refused privately naming the allowed channels', async ({ bot }) => {
    const h = await bot(stage());
    expect(await admin(h, 'channels list')).toBe(messages.channelsList([]));
    expect(await admin(h, 'channels allow', { channel: ART_CHANNEL })).toBe(messages.channelAllowed(ART_CHANNEL, [ART_CHANNEL]));
    const refused = await firstReply(painter(h).imagine({ prompt: 'in general' }));
    expect(refused).toMatchObject({ type: CALLBACK_MESSAGE, ephemeral: true, content: messages.wrongChannel([ART_CHANNEL]) });
    expect(refused.content).toContain(`<#${ART_CHANNEL}>`);
    expect((await firstReply(painter(h).in(ART_CHANNEL).imagine({ prompt: 'in art' }))).type).toBe(CALLBACK_DEFERRED);
    expect(await admin(h, 'channels remove', { channel: ART_CHANNEL })).toBe(messages.channelRemoved(ART_CHANNEL, []));
    expect((await firstReply(painter(h).imagine({ prompt: 'in general again' }))).type).toBe(CALLBACK_DEFERRED);
    await jobsIdle(h.app.jobs);
    expect(h.kie.creates).toHaveLength(2);
  });

  it("threads of an allowed channel are allowed, whether or not the bot saw the thread start; other threads are not", async ({ bot }) => {
    const h = await bot(stage());
    await admin(h, 'channels allow', { channel: ART_CHANNEL });
    expect((await firstReply(painter(h).in(ART_THREAD).imagine({ prompt: 'in a known thread' }))).type).toBe(CALLBACK_DEFERRED);
    expect(h.discord.requests.some((request) => request.method === 'GET' && request.path === `/channels/${ART_THREAD}`)).toBe(false);
    expect((await firstReply(painter(h).in(LATE_ART_THREAD).imagine({ prompt: 'in a new thread' }))).type).toBe(CALLBACK_DEFERRED);
    expect(h.discord.requests.some((request) => request.method === 'GET' && request.path === `/channels/${LATE_ART_THREAD}`)).toBe(true);
    const refused = await firstReply(painter(h).in(GENERAL_THREAD).imagine({ prompt: 'in a thread of general' }));
    expect(refused).toMatchObject({ type: CALLBACK_MESSAGE, ephemeral: true, content: messages.wrongChannel([ART_CHANNEL]) });
    await jobsIdle(h.app.jobs);
    expect(h.kie.creates.map((create) => (create.body as { input: { prompt: string } }).input.prompt).sort()).toEqual(['in a known thread', 'in a new thread']);
  });
});

describe('KIE credits', () => {
  it('credits shows the balance and about how many images it pays for', async ({ bot }) => {
    const h = await bot(stage({ kie: { credits: 650 } }));
    expect(await admin(h, 'credits')).toBe(messages.creditsBalance(650, 100));
  });

  it('usage shows images and credits per day for the server', async ({ bot }) => {
    const h = await bot(stage());
    await painter(h).imagine({ prompt: 'one' }).waitForOriginal(hasImage, 15_000);
    await painter(h).imagine({ prompt: 'two' }).waitForOriginal(hasImage, 15_000);
    await jobsIdle(h.app.jobs);
    const usage = await admin(h, 'usage');
    expect(usage).toContain('last 7 days 2 images · 13 credits');
  });

  it('KIE_LOW_CREDITS: one warning in the log channel while the balance stays low, another only after it recovered', async ({ bot }) => {
    const h = await bot(stage({ env: { KIE_LOW_CREDITS: '100' }, kie: { credits: 20 }, tuning: { creditCheck: { intervalMs: 200 } } }));
    await admin(h, 'log channel', { channel: LOG_CHANNEL });
    const warnings = () => logPosts(h).filter((post) => titleOf(post) === messages.logWarningTitle);
    await expect.poll(() => warnings().length, { timeout: 5_000 }).toBe(1);
    expect((warnings()[0]!.embeds[0] as { description: string }).description).toBe(messages.lowCredits(20, 3, 100));
    const checks = h.kie.creditChecks.length;
    await expect.poll(() => h.kie.creditChecks.length, { timeout: 5_000 }).toBeGreaterThan(checks + 3);
    expect(warnings()).toHaveLength(1);

    h.kie.setCredits(500);
    const recovered = h.kie.creditChecks.length;
    await expect.poll(() => h.kie.creditChecks.length, { timeout: 5_000 }).toBeGreaterThan(recovered + 1);
    h.kie.setCredits(50);
    await expect.poll(() => warnings().length, { timeout: 5_000 }).toBe(2);
  });

  it('a 402 from KIE triggers a check at once, even right after a regular one; more 402s within 30 s do not', async ({ bot }) => {
    const h = await bot(stage({ env: { KIE_LOW_CREDITS: '100' }, kie: { credits: 0 } }));
    // The check at start-up found the balance low, but there was no log channel to warn.
    await expect.poll(() => h.kie.creditChecks.length, { timeout: 5_000 }).toBe(1);
    await admin(h, 'log channel', { channel: LOG_CHANNEL });
    const job = painter(h).imagine({ prompt: 'a heron' });
    await job.waitForOriginal((message) => message.content.includes(messages.outOfCredits), 15_000);
    await expect.poll(() => logPosts(h).filter((post) => titleOf(post) === messages.logWarningTitle).length, { timeout: 5_000 }).toBe(1);
    expect(h.kie.creditChecks).toHaveLength(2);
    // A second refusal within 30 s of the first 402's check makes no other.
    const again = painter(h).imagine({ prompt: 'a second heron' });
    await again.waitForOriginal((message) => message.content.includes(messages.outOfCredits), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.kie.creditChecks).toHaveLength(2);
  });
});

describe('the server daily cap', () => {
  /** 50 members ask at once with a cap of 7: exactly 7 tasks, 43 private refusals naming the cap. */
  async function fiftyAgainstCap(h: Harness): Promise<void> {
    expect(await admin(h, 'cap', { images: 7 })).toBe(messages.capSet(7));
    const replies = await Promise.all(crowd(50).map((user) => firstReply(h.guild.member(user).imagine({ prompt: 'a crowd scene' }), 10_000)));
    expect(replies.filter((reply) => reply.type === CALLBACK_DEFERRED)).toHaveLength(7);
    const refused = replies.filter((reply) => reply.type === CALLBACK_MESSAGE);
    expect(refused).toHaveLength(43);
    for (const reply of refused) {
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toContain('This server has used its 7 images for today');
    }
    await jobsIdle(h.app.jobs);
    expect(h.kie.creates.filter((call) => call.taskId !== undefined)).toHaveLength(7);
    expect(await admin(h, 'cap', { images: 0 })).toBe(messages.capRemoved);
    expect((await firstReply(painter(h).imagine({ prompt: 'after the cap' }))).type).toBe(CALLBACK_DEFERRED);
    await jobsIdle(h.app.jobs);
  }

  it('holds under 50 requests at once on SQLite', async ({ bot }) => {
    await fiftyAgainstCap(await bot(stage({ kie: { defaultScenario: { durationMs: 100 } } })));
  });

  it.skipIf(!redisTestUrl())('holds under 50 requests at once on Redis', async ({ bot, defer }) => {
    await fiftyAgainstCap(await bot(stage({ ...redisBotStorage(defer), kie: { defaultScenario: { durationMs: 100 } } })));
  });
});

describe('the moderation log says whose picture an edit started from', () => {
  const generations = (h: Harness) => logPosts(h).filter((post) => titleOf(post) === messages.logGenerationTitle);
  const pictureFrom = (post: FakeMessage) =>
    (post.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.find((field) => field.name === 'Picture from')?.value;

  it('"Edit image" of another member\'s photo, the Edit button on another member\'s image, and a plain /imagine', async ({ bot }) => {
    const h = await bot(stage());
    await admin(h, 'log channel', { channel: LOG_CHANNEL });

    // A plain generation has no source picture to name.
    const mine = await painter(h).imagine({ prompt: 'a heron at dawn' }).waitForOriginal(hasImage, 15_000);
    await expect.poll(() => generations(h).length, { timeout: 5_000 }).toBe(1);
    expect(pictureFrom(generations(h)[0]!)).toBeUndefined();

    // OTHER edits MEMBER's delivered image with its Edit button: the picture is MEMBER's, though the bot posted it.
    const other = h.guild.member(OTHER);
    await (await other.submit(other.press(mine, 'Edit'), 'Edit', { text: 'add a moon' })).waitForOriginal(hasImage, 15_000);
    await expect.poll(() => generations(h).length, { timeout: 5_000 }).toBe(2);
    expect(pictureFrom(generations(h)[1]!)).toBe(`<@${MEMBER.id}> · [source message](https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${mine.id})`);

    // MEMBER edits OTHER's photo with "Edit image": the picture is OTHER's.
    const photo = other.post({ content: 'my cat', files: [{ filename: 'cat.png', contentType: 'image/png', bytes: await h.kie.imageBytes('small') }] });
    await (await painter(h).submit(painter(h).editImage(photo), 'Edit', { text: 'give the cat a hat' })).waitForOriginal(hasImage, 15_000);
    await expect.poll(() => generations(h).length, { timeout: 5_000 }).toBe(3);
    const third = generations(h)[2]!;
    expect(pictureFrom(third)).toBe(`<@${OTHER.id}> · [source message](https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${photo.id})`);
    expect(third.allowedMentions).toEqual({ parse: [] });
  });
});
