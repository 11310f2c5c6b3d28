import { randomUUID } from 'node:crypto';
import { Routes } from 'discord.js';
import { describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import { nextUtcMidnight, utcDay } from '../../src/quota/day.js';
import { openStorage } from '../../src/storage/index.js';
import { FakeDiscord, type FakeInteraction, type FakeMessage, type FakeUserSpec } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { fakeServicesEnv, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { it } from '../helpers/fixtures.js';
import { ADMIN, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, MEMBER, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { customIdOf, hasImage, privateAnswer } from '../helpers/image-loop.js';
import { captureLogs } from '../helpers/log-capture.js';
import { ownRedisServer } from '../helpers/redis-server.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply, type FirstReply } from '../helpers/replies.js';
import { jobsIdle } from '../helpers/jobs.js';
import { channelId, roleId, serverId } from '../helpers/ids.js';

const OTHER_GUILD = serverId(101);
const OTHER_CHANNEL = channelId(102);
const LOG_CHANNEL = channelId(4);
const OTHER_LOG_CHANNEL = channelId(104);
const ARTISTS = roleId(0);

/** Two servers the bot is in: GUILD_ID (general + a log channel) and OTHER_GUILD (the same). */
const twoServers = (options: HarnessOptions = {}): HarnessOptions => ({
  ...options,
  discord: {
    guilds: [
      { id: GUILD_ID, channels: [{ id: CHANNEL_ID, name: 'general' }, { id: LOG_CHANNEL, name: 'mod-log' }] },
      { id: OTHER_GUILD, channels: [{ id: OTHER_CHANNEL, name: 'general' }, { id: OTHER_LOG_CHANNEL, name: 'mod-log' }] },
    ],
    ...options.discord,
  },
});

const member = (index: number): FakeUserSpec => ({ id: String(1300000000000000000n + BigInt(index)), username: `member${index}` });

const imagineIn = (discord: FakeDiscord, guildId: string, channelId: string, user: FakeUserSpec, prompt = 'a lantern in fog', roles?: string[]) =>
  discord.dispatchInteraction({
    commandName: 'imagine',
    guildId,
    channelId,
    user,
    ...(roles ? { memberRoles: roles } : {}),
    options: [{ name: 'prompt', type: 3, value: prompt }],
  });

/** `/imagine-admin <sub>` by an admin of `guildId`; returns the interaction. */
function adminIn(h: Harness, guildId: string, channelId: string, sub: string, leaf: Array<{ name: string; type: number; value: string | number }> = [], extra: object = {}) {
  return h.discord.dispatchInteraction({
    commandName: 'imagine-admin',
    guildId,
    channelId,
    user: ADMIN,
    memberPermissions: MANAGE_GUILD,
    options: [{ name: sub, type: 1, ...(leaf.length > 0 ? { options: leaf } : {}) }],
    ...extra,
  });
}

const tasks = (h: Harness | { kie: FakeKie }) => h.kie.creates.filter((call) => call.taskId !== undefined);

/** The bot sends `user` a copy of a delivered image's message (buttons included) in a DM, as it does when the channel refuses it. */
async function imageInDm(h: Harness, image: FakeMessage, user: FakeUserSpec, customIds?: { reroll: string }): Promise<FakeMessage> {
  const rest = h.app.client.rest;
  const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: user.id } })) as { id: string };
  const components = customIds
    ? [{ type: 1, components: [{ type: 2, style: 2, label: '🔄 Reroll', custom_id: customIds.reroll }] }]
    : image.components;
  const sent = (await rest.post(Routes.channelMessages(dm.id), { body: { content: 'Your image', components } })) as { id: string };
  return h.discord.findMessage(sent.id)!;
}

const pressInDm = (h: Harness, message: FakeMessage, word: string, user: FakeUserSpec): FakeInteraction =>
  h.discord.dispatchComponent({ messageId: message.id, customId: customIdOf(message, word), user });

describe('ALLOWED_GUILDS', () => {
  it('refuses every interaction from another server privately, with no task and no store write, and logs that server once', async ({ bot }) => {
    const logs = captureLogs();
    const h = await bot(twoServers({ env: { ALLOWED_GUILDS: GUILD_ID, LOG_LEVEL: 'warn' }, logDestination: logs.destination }));
    const refusedImagine = imagineIn(h.discord, OTHER_GUILD, OTHER_CHANNEL, MEMBER);
    expect(await privateAnswer(refusedImagine)).toBe(messages.guildNotEnabled);
    const refusedAdmin = adminIn(h, OTHER_GUILD, OTHER_CHANNEL, 'limit', [{ name: 'limit', type: 4, value: 1000 }]);
    expect(await privateAnswer(refusedAdmin)).toBe(messages.guildNotEnabled);
    const refusedQuota = h.discord.dispatchInteraction({ commandName: 'quota', guildId: OTHER_GUILD, channelId: OTHER_CHANNEL, user: MEMBER });
    expect(await privateAnswer(refusedQuota)).toBe(messages.guildNotEnabled);

    expect(await h.app.services.settings.defaultLimit(OTHER_GUILD)).toBeUndefined();
    expect(await h.storage.counters.guildUsed(OTHER_GUILD, utcDay(Date.now()))).toBe(0);
    const unlisted = logs.lines.filter((line) => line.level === 40 && line['guildId'] === OTHER_GUILD && String(line.msg).includes('ALLOWED_GUILDS'));
    expect(unlisted, JSON.stringify(logs.lines.filter((line) => line.level >= 40))).toHaveLength(1);

    // The listed server is served as before.
    await imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER).waitForOriginal(hasImage, 15_000);
    expect(tasks(h)).toHaveLength(1);
  });

  it('refuses a DM press of an image made in an unlisted server', async ({ bot }) => {
    const h = await bot(twoServers({ env: { ALLOWED_GUILDS: GUILD_ID } }));
    const image = await imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER).waitForOriginal(hasImage, 15_000);
    await jobsIdle(h.app.jobs);
    // An image from the other server (made before ALLOWED_GUILDS was set), as its history records it.
    const entry = (await h.storage.history.get(customIdOf(image, 'Reroll').split(':')[3]!, Date.now()))!;
    const foreign = { ...entry, jobId: randomUUID(), guildId: OTHER_GUILD, channelId: OTHER_CHANNEL };
    await h.storage.history.record(foreign);
    const dm = await imageInDm(h, image, MEMBER, { reroll: `img:v1:reroll:${foreign.jobId}` });
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toBe(messages.guildNotEnabled);
    expect(tasks(h)).toHaveLength(1);
  });
});

/** Checks 50 answers: exactly `granted` public defers, the rest private refusals that say the budget is spent. */
async function expectBudget(interactions: FakeInteraction[], granted: number): Promise<FirstReply[]> {
  const replies = await Promise.all(interactions.map((interaction) => firstReply(interaction, 15_000)));
  const deferred = replies.filter((reply) => reply.type === CALLBACK_DEFERRED);
  const refused = replies.filter((reply) => reply.type === CALLBACK_MESSAGE);
  expect(deferred).toHaveLength(granted);
  expect(deferred.every((reply) => !reply.ephemeral)).toBe(true);
  expect(refused).toHaveLength(interactions.length - granted);
  const resetText = messages.budgetSpent(nextUtcMidnight(Date.now()));
  for (const reply of refused) {
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(resetText);
  }
  for (const reply of replies) expect(reply.latencyMs).toBeLessThan(3000);
  return replies;
}

describe('DAILY_IMAGE_BUDGET', () => {
  const BUDGET = 5;
  const fiftyAcrossTwoServers = (discord: FakeDiscord, from = 0, count = 50) =>
    Array.from({ length: count }, (_, offset) => {
      const index = from + offset;
      return index % 2 === 0 ? imagineIn(discord, GUILD_ID, CHANNEL_ID, member(index)) : imagineIn(discord, OTHER_GUILD, OTHER_CHANNEL, member(index));
    });

  it('SQLite: 50 requests at once across two servers create exactly the budget of tasks; a refund gives a unit back', async ({ bot }) => {
    const h = await bot(twoServers({ env: { DAILY_IMAGE_BUDGET: String(BUDGET) }, kie: { defaultScenario: { durationMs: 300 } } }));
    await expectBudget(fiftyAcrossTwoServers(h.discord), BUDGET);
    await h.kie.waitFor(() => tasks(h).length >= BUDGET, 10_000);
    await jobsIdle(h.app.jobs);
    expect(tasks(h)).toHaveLength(BUDGET);
    expect(await h.storage.counters.budgetUsed(utcDay(Date.now()))).toBe(BUDGET);

    // A task that fails gives its unit back to the budget: the next request is admitted.
    await h.storage.counters.release({ guildId: GUILD_ID, userId: member(0).id, day: utcDay(Date.now()) });
    expect((await firstReply(imagineIn(h.discord, OTHER_GUILD, OTHER_CHANNEL, member(99)))).type).toBe(CALLBACK_DEFERRED);
    expect(await privateAnswer(imagineIn(h.discord, GUILD_ID, CHANNEL_ID, member(98)))).toBe(messages.budgetSpent(nextUtcMidnight(Date.now())));
  });

  it('a failed task refunds the budget as it refunds the member', async ({ bot }) => {
    const h = await bot(twoServers({ env: { DAILY_IMAGE_BUDGET: '1' }, kie: { defaultScenario: { durationMs: 200, outcome: 'fail' } } }));
    await imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER).waitForResponse();
    await h.kie.waitFor(() => tasks(h).length === 1, 10_000);
    await jobsIdle(h.app.jobs);
    expect(await h.storage.counters.budgetUsed(utcDay(Date.now()))).toBe(0);
  });

  describe.skipIf(!redisTestUrl())('Redis', () => {
    it('two bot processes sharing one Redis, 25 requests each across two servers: exactly the budget of tasks', async ({ defer }) => {
      // Both processes use the default key prefix, so they get a whole Redis of their own.
      const database = await ownRedisServer();
      defer(() => database.stop());
      const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
      defer(() => kie.close());
      const discords = await Promise.all([0, 1].map(() => FakeDiscord.start(twoServers().discord!)));
      for (const discord of discords) defer(() => discord.close());
      const bots: BotProcess[] = discords.map((discord) =>
        startBotProcess({ ...fakeServicesEnv(discord, kie), DISCORD_GUILD_ID: GUILD_ID, STORAGE_URL: database.url, DAILY_IMAGE_BUDGET: String(BUDGET), LOG_LEVEL: 'info' }),
      );
      for (const bot of bots) defer(() => bot.kill('SIGKILL'));
      await Promise.all(discords.map((discord) => discord.waitForReady(20_000)));
      await Promise.all(bots.map((bot) => bot.waitForLog((line) => line.msg === 'commands registered', 20_000)));

      const interactions = [...fiftyAcrossTwoServers(discords[0]!, 0, 25), ...fiftyAcrossTwoServers(discords[1]!, 25, 25)];
      await expectBudget(interactions, BUDGET);
      await kie.waitFor(() => tasks({ kie }).length >= BUDGET, 10_000);
      const delivered = interactions.filter((interaction) => interaction.responses[0]?.type === CALLBACK_DEFERRED);
      await Promise.all(delivered.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000)));
      expect(tasks({ kie })).toHaveLength(BUDGET);
      const shared = await openStorage(database.url);
      try {
        expect(await shared.counters.budgetUsed(utcDay(Date.now()))).toBe(BUDGET);
      } finally {
        await shared.close();
      }
      for (const bot of bots) expect(await bot.kill('SIGTERM')).toBe(0);
    });

    it('one bot on Redis: the budget refuses privately once spent', async ({ bot, defer }) => {
      const h = await bot(twoServers({ ...redisBotStorage(defer), env: { DAILY_IMAGE_BUDGET: '2' } }));
      await expectBudget(fiftyAcrossTwoServers(h.discord, 0, 10), 2);
    });
  });
});

describe('MAX_MEMBER_DAILY', () => {
  it('admins cannot set a limit above the ceiling, and a stored limit above it counts as the ceiling', async ({ bot }) => {
    const h = await bot({ env: { MAX_MEMBER_DAILY: '3', QUOTA_DAILY: '2' } });
    const over = messages.limitOverCeiling(3);
    expect(await privateAnswer(adminIn(h, GUILD_ID, CHANNEL_ID, 'limit', [{ name: 'limit', type: 4, value: 1000 }]))).toBe(over);
    const roleLimit = adminIn(h, GUILD_ID, CHANNEL_ID, 'limit', [{ name: 'limit', type: 4, value: 4 }, { name: 'role', type: 8, value: ARTISTS }], {
      resolvedRoles: [{ id: ARTISTS, name: 'Artists' }],
    });
    expect(await privateAnswer(roleLimit)).toBe(over);
    const userLimit = adminIn(h, GUILD_ID, CHANNEL_ID, 'limit', [{ name: 'limit', type: 4, value: 50 }, { name: 'user', type: 6, value: MEMBER.id }], {
      resolvedUsers: [MEMBER],
    });
    expect(await privateAnswer(userLimit)).toBe(over);
    expect(await h.app.services.settings.defaultLimit(GUILD_ID)).toBeUndefined();
    expect(await h.app.services.settings.userLimit(GUILD_ID, MEMBER.id)).toBeUndefined();
    expect(await privateAnswer(adminIn(h, GUILD_ID, CHANNEL_ID, 'limit', [{ name: 'limit', type: 4, value: 3 }]))).toBe(messages.limitSet(3));

    // A limit stored before the ceiling was set (or by hand) gives no more than the ceiling.
    await h.storage.kv.set(`guild:${GUILD_ID}:default-limit`, 50);
    await h.storage.kv.set(`guild:${GUILD_ID}:role-limits`, { [ARTISTS]: 80 });
    h.app.services.settings.invalidate(GUILD_ID);
    expect((await h.app.services.quota.allowanceFor(GUILD_ID, MEMBER.id, [ARTISTS])).limit).toBe(3);
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await firstReply(imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER, `cat ${index}`, [ARTISTS])));
    expect(answers.map((answer) => answer.type)).toEqual([CALLBACK_DEFERRED, CALLBACK_DEFERRED, CALLBACK_DEFERRED, CALLBACK_MESSAGE]);
    expect(answers[3]!.content).toContain('(3/3)');
  });
});

describe('OPERATOR_GUILDS', () => {
  it('only admins of the operator\'s servers see the credits and get the low-credit warning', async ({ bot }) => {
    const h = await bot(twoServers({ env: { OPERATOR_GUILDS: GUILD_ID, KIE_LOW_CREDITS: '100' }, kie: { credits: 20 }, tuning: { creditCheck: { intervalMs: 200 } } }));
    for (const [guildId, channelId, logChannel] of [[GUILD_ID, CHANNEL_ID, LOG_CHANNEL], [OTHER_GUILD, OTHER_CHANNEL, OTHER_LOG_CHANNEL]] as const) {
      await privateAnswer(
        h.discord.dispatchInteraction({
          commandName: 'imagine-admin',
          guildId,
          channelId,
          user: ADMIN,
          memberPermissions: MANAGE_GUILD,
          options: [{ name: 'log', type: 2, options: [{ name: 'channel', type: 1, options: [{ name: 'channel', type: 7, value: logChannel }] }] }],
          resolvedChannels: [logChannel],
        }),
      );
    }
    expect(await privateAnswer(adminIn(h, OTHER_GUILD, OTHER_CHANNEL, 'credits'))).toBe(messages.operatorOnly);
    expect(await privateAnswer(adminIn(h, GUILD_ID, CHANNEL_ID, 'credits'))).toBe(messages.creditsBalance(20, 3));
    const warnings = (channelId: string) => h.discord.channelMessages(channelId).filter((post) => (post.embeds[0] as { title?: string } | undefined)?.title === messages.logWarningTitle);
    await expect.poll(() => warnings(LOG_CHANNEL).length, { timeout: 5_000 }).toBe(1);
    const checks = h.kie.creditChecks.length;
    await expect.poll(() => h.kie.creditChecks.length, { timeout: 5_000 }).toBeGreaterThan(checks + 2);
    expect(warnings(OTHER_LOG_CHANNEL)).toHaveLength(0);
  });
});

describe('the start-up warning for a public bot', () => {
  const warnings = (lines: ReturnType<typeof captureLogs>['lines']) => lines.filter((line) => line.level === 40 && String(line.msg).includes('Public Bot'));

  it('warns once when the application is public and neither ALLOWED_GUILDS nor DAILY_IMAGE_BUDGET is set', async ({ bot }) => {
    const logs = captureLogs();
    const h = await bot({ discord: { botPublic: true }, env: { LOG_LEVEL: 'warn' }, logDestination: logs.destination });
    await expect.poll(() => h.discord.requests.some((request) => request.method === 'GET' && request.path === '/applications/@me')).toBe(true);
    await expect.poll(() => warnings(logs.lines).length).toBe(1);
    expect(warnings(logs.lines)[0]!.msg).toMatch(/anyone can add the bot/);
  });

  it('stays quiet for a private application, and for a public one with ALLOWED_GUILDS or DAILY_IMAGE_BUDGET', async ({ bot }) => {
    for (const [botPublic, env] of [
      [false, {}],
      [true, { ALLOWED_GUILDS: GUILD_ID }],
      [true, { DAILY_IMAGE_BUDGET: '100' }],
    ] as const) {
      const logs = captureLogs();
      const h = await bot({ discord: { botPublic }, env: { LOG_LEVEL: 'warn', ...env }, logDestination: logs.destination });
      await expect.poll(() => h.discord.requests.some((request) => request.method === 'GET' && request.path === '/applications/@me')).toBe(true);
      await jobsIdle(h.app.jobs);
      expect(warnings(logs.lines)).toHaveLength(0);
    }
  });
});

describe('a press in a DM obeys the image\'s server', () => {
  /** An image MEMBER made in the server, and a copy of it in MEMBER's DM with the same buttons. */
  async function dmImage(h: Harness): Promise<{ image: FakeMessage; dm: FakeMessage }> {
    const image = await imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER, 'a kite over dunes').waitForOriginal(hasImage, 15_000);
    await jobsIdle(h.app.jobs);
    return { image, dm: await imageInDm(h, image, MEMBER) };
  }

  it('a member who left or was removed from the server is refused, with no task', async ({ bot }) => {
    const h = await bot();
    const { dm } = await dmImage(h);
    h.discord.removeMember(GUILD_ID, MEMBER.id);
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toBe(messages.notAMember);
    expect(tasks(h)).toHaveLength(1);
    expect(h.discord.requests.some((request) => request.path === `/guilds/${GUILD_ID}/members/${MEMBER.id}`)).toBe(true);
  });

  it('an image of a server that removed the bot is refused, with no task', async ({ bot }) => {
    const h = await bot();
    const { dm } = await dmImage(h);
    h.discord.removeBotFromGuild(GUILD_ID);
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toBe(messages.botNotInServer);
    expect(tasks(h)).toHaveLength(1);
  });

  it('the member\'s current roles in the server set the limit: a role with limit 0 refuses, a role with more admits', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' }, tuning: { membershipCacheMs: 0 } });
    const { dm } = await dmImage(h);
    // The default limit of 1 is used up.
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toContain('(1/1)');
    const FROZEN = roleId(1);
    await h.app.services.settings.setRoleLimit(GUILD_ID, FROZEN, 0);
    await h.app.services.settings.setRoleLimit(GUILD_ID, ARTISTS, 5);
    h.discord.setMemberRoles(GUILD_ID, MEMBER, [FROZEN]);
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toContain('your daily limit is 0');
    h.discord.setMemberRoles(GUILD_ID, MEMBER, [ARTISTS]);
    expect((await pressInDm(h, dm, 'Reroll', MEMBER).waitForResponse()).type).toBe(CALLBACK_DEFERRED);
    await h.kie.waitFor(() => tasks(h).length === 2, 10_000);
    await jobsIdle(h.app.jobs);
    expect(await h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) })).toBe(2);
  });

  it('paused and blocked apply to a DM press as in the server; the refusal is private and nothing is read from Discord first', async ({ bot }) => {
    const h = await bot();
    const { dm } = await dmImage(h);
    await h.app.services.settings.setPaused(GUILD_ID, true);
    const before = h.discord.requests.length;
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toBe(messages.paused);
    expect(h.discord.requests.slice(before).some((request) => request.path.startsWith('/guilds/'))).toBe(false);
    await h.app.services.settings.setPaused(GUILD_ID, false);
    await h.app.services.settings.setBlocked(GUILD_ID, MEMBER.id, true);
    expect(await privateAnswer(pressInDm(h, dm, 'Reroll', MEMBER))).toBe(messages.blocked);
    expect(tasks(h)).toHaveLength(1);
  });
});

describe('admission comes before anything a press reads', () => {
  it('a Reroll of an edit whose picture URL expired, while paused: refused without reading the picture\'s message', async ({ bot }) => {
    const h = await bot({ discord: { attachmentUrlLifetimeMs: 1_500 } });
    const image = await imagineIn(h.discord, GUILD_ID, CHANNEL_ID, MEMBER, 'a harbour at noon').waitForOriginal(hasImage, 15_000);
    const opener = h.discord.dispatchComponent({ messageId: image.id, customId: customIdOf(image, 'Edit'), user: MEMBER });
    expect((await opener.waitForResponse()).type).toBe(9);
    const edited = await h.discord.submitModal(opener, { change: 'at night' }).waitForOriginal(hasImage, 15_000);
    await jobsIdle(h.app.jobs);
    const recorded = (tasks(h)[1]!.body as { input: { image_urls: string[] } }).input.image_urls[0]!;
    await expect.poll(async () => (await fetch(recorded)).status, { timeout: 5_000, interval: 200 }).toBe(404);

    await h.app.services.settings.setPaused(GUILD_ID, true);
    const before = h.discord.requests.length;
    expect(await privateAnswer(h.discord.dispatchComponent({ messageId: edited.id, customId: customIdOf(edited, 'Reroll'), user: MEMBER }))).toBe(messages.paused);
    const pictureReads = h.discord.requests.slice(before).filter((request) => request.method === 'GET' && request.path.startsWith('/channels/'));
    expect(pictureReads).toEqual([]);
    expect(tasks(h)).toHaveLength(2);
  });

  it('"Edit image" by a blocked member, or in a paused server, is refused before the picture is stored', async ({ bot }) => {
    const h = await bot();
    const png = { filename: 'photo.png', contentType: 'image/png', bytes: await h.kie.imageBytes('small') };
    const photo = h.discord.postMemberMessage({ channelId: CHANNEL_ID, user: MEMBER, content: 'my cat', files: [png] });
    const editImage = () => h.discord.dispatchInteraction({ commandName: 'Edit image', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, targetMessageId: photo.id });
    await h.app.services.settings.setBlocked(GUILD_ID, MEMBER.id, true);
    const blocked = editImage();
    expect(await privateAnswer(blocked)).toBe(messages.blocked);
    expect(await h.app.services.editSources.get(blocked.id, MEMBER.id)).toBeUndefined();
    await h.app.services.settings.setBlocked(GUILD_ID, MEMBER.id, false);
    await h.app.services.settings.setPaused(GUILD_ID, true);
    const paused = editImage();
    expect(await privateAnswer(paused)).toBe(messages.paused);
    expect(await h.app.services.editSources.get(paused.id, MEMBER.id)).toBeUndefined();
  });
});
