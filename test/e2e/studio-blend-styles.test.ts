import { describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import type { FakeInteraction, FakeMessage, FakeUpload } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { ADMIN, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, MEMBER, type Harness } from '../helpers/harness.js';
import { hasImage, press, privateAnswer } from '../helpers/image-loop.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { person } from '../helpers/ids.js';
import { readCard } from '../helpers/result-card.js';

interface CreateBody {
  model: string;
  input: { prompt: string; aspect_ratio: string; quality: string; image_urls?: string[] };
}

const OTHER = person('neighbour');
const createBodies = (h: Harness): CreateBody[] => h.kie.creates.filter((call) => call.taskId !== undefined).map((call) => call.body as CreateBody);
const used = (h: Harness, userId = MEMBER.id) => h.storage.counters.used({ guildId: GUILD_ID, userId, day: utcDay(Date.now()) });
const png = async (h: Harness, filename: string): Promise<FakeUpload> => ({ filename, contentType: 'image/png', bytes: await h.kie.imageBytes('small') });
const string = (name: string, value: string | boolean | number, type = 3) => ({ name, type, value });
/** The card's details line by line. */
const detailsOf = (message: FakeMessage) => readCard(message).details;
const detail = (name: string, value: string) => `**${name}** ${value}`;

/** `/imagine-admin <group> <sub>` by an admin; the private answer. */
async function admin(h: Harness, group: string, sub: string, options: Array<ReturnType<typeof string>> = []): Promise<string> {
  const interaction = h.command('imagine-admin', [{ name: group, type: 2, options: [{ name: sub, type: 1, options }] }], { user: ADMIN, memberPermissions: MANAGE_GUILD });
  return privateAnswer(interaction);
}

/** `/blend` with these uploads as image1…imageN. */
function blend(h: Harness, uploads: FakeUpload[], options: Array<ReturnType<typeof string>> = [], user = MEMBER): FakeInteraction {
  return h.discord.dispatchInteraction({
    commandName: 'blend',
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    user,
    options,
    attachments: Object.fromEntries(uploads.map((upload, index) => [`image${index + 1}`, upload])),
  });
}

describe('/blend', () => {
  it('one seedream/4.5-edit task with every picture in the order given, a default prompt, one unit', async ({ bot }) => {
    const h = await bot();
    const uploads = [await png(h, 'first.png'), await png(h, 'second.png'), await png(h, 'third.png')];
    const interaction = blend(h, uploads, [string('quality', 'high')]);
    expect((await interaction.waitForResponse()).type).toBe(5);
    const delivered = await interaction.waitForOriginal(hasImage, 15_000);
    const [create] = createBodies(h);
    expect(create?.model).toBe('seedream/4.5-edit');
    expect(create?.input).toMatchObject({ prompt: messages.blendPrompt, quality: 'high', aspect_ratio: '1:1' });
    expect(create?.input.image_urls?.map((url) => /\/([^/?]+)\?/.exec(url)?.[1])).toEqual(['first.png', 'second.png', 'third.png']);
    expect(detailsOf(delivered)).toContain(detail(messages.blendField, messages.blendedFrom(3)));
    expect(await used(h)).toBe(1);

    // Reroll blends the same pictures again, in the same order.
    const rerolled = await press(h.discord, delivered, 'Reroll', MEMBER).waitForOriginal(hasImage, 15_000);
    expect(rerolled.id).not.toBe(delivered.id);
    expect(createBodies(h)[1]).toEqual(create);
  });

  it("a blend of the bot's own images (saved and attached again) links to their messages, here and in /history", async ({ bot }) => {
    const h = await bot();
    const first = await h.imagine({ prompt: 'a red fox' }).waitForOriginal(hasImage, 15_000);
    const second = await h.imagine({ prompt: 'a snowy forest' }).waitForOriginal(hasImage, 15_000);
    const saved = (message: FakeMessage): FakeUpload => {
      const attachment = message.attachments[0]!;
      return { filename: attachment.filename, contentType: 'image/png', bytes: attachment.bytes };
    };
    const link = (message: FakeMessage) => `https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${message.id}`;
    const blended = await blend(h, [saved(first), await png(h, 'mine.png'), saved(second)]).waitForOriginal(hasImage, 15_000);
    expect(detailsOf(blended)).toContain(detail(messages.parentField, messages.parentLinks([link(first), link(second)])));
    const history = h.command('history');
    await history.waitForResponse();
    expect((history.original()!.embeds[0] as { description: string }).description).toContain(messages.parentLinks([link(first), link(second)]));
    // A blend of pictures that are not the bot's has no such link.
    const plain = await blend(h, [await png(h, 'a.png'), await png(h, 'b.png')]).waitForOriginal(hasImage, 15_000);
    expect(detailsOf(plain)).not.toContain(`**${messages.parentField}**`);
  });

  it("a reroll of a blend of the bot's own images after the links expired reads each picture again from its message", async ({ bot }) => {
    const h = await bot({ discord: { attachmentUrlLifetimeMs: 1_500 } });
    const first = await h.imagine({ prompt: 'a red fox' }).waitForOriginal(hasImage, 15_000);
    const second = await h.imagine({ prompt: 'a snowy forest' }).waitForOriginal(hasImage, 15_000);
    const saved = (message: FakeMessage): FakeUpload => ({ filename: message.attachments[0]!.filename, contentType: 'image/png', bytes: message.attachments[0]!.bytes });
    const blended = await blend(h, [saved(second), saved(first)]).waitForOriginal(hasImage, 15_000);
    const recorded = createBodies(h)[2]!.input.image_urls!;
    for (const url of recorded) await expect.poll(async () => (await fetch(url)).status, { timeout: 5_000, interval: 200 }).toBe(404);
    await press(h.discord, blended, 'Reroll', MEMBER).waitForOriginal(hasImage, 15_000);
    const fresh = createBodies(h)[3]!.input.image_urls!;
    expect(fresh[0]).toContain(`/attachments/${CHANNEL_ID}/${second.attachments[0]!.id}/`);
    expect(fresh[1]).toContain(`/attachments/${CHANNEL_ID}/${first.attachments[0]!.id}/`);
    for (const url of fresh) expect((await fetch(url)).status).toBe(200);
  });

  it('one file that is not a picture refuses the whole blend privately: no task, nothing counted', async ({ bot }) => {
    const h = await bot();
    const notes = { filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('hello') };
    const interaction = blend(h, [await png(h, 'a.png'), await png(h, 'b.png'), notes]);
    expect(await privateAnswer(interaction)).toBe(messages.notAnImage('text/plain'));
    const huge = { filename: 'huge.png', contentType: 'image/png', bytes: Buffer.from('x'), size: 10 * 1024 * 1024 + 1 };
    expect(await privateAnswer(blend(h, [huge, await png(h, 'b.png')]))).toContain('at most 10 MB');
    expect(h.kie.creates).toHaveLength(0);
    expect(await used(h)).toBe(0);
    expect(h.app.jobs.inFlight).toBe(0);
  });

  it("a reroll after the attached pictures' links expired has Discord refresh them and blends them again, in order", async ({ bot }) => {
    const h = await bot({ discord: { attachmentUrlLifetimeMs: 1_500 } });
    const delivered = await blend(h, [await png(h, 'a.png'), await png(h, 'b.png'), await png(h, 'c.png')]).waitForOriginal(hasImage, 15_000);
    const recorded = createBodies(h)[0]!.input.image_urls!;
    for (const url of recorded) await expect.poll(async () => (await fetch(url)).status, { timeout: 5_000, interval: 200 }).toBe(404);
    await press(h.discord, delivered, 'Reroll', MEMBER).waitForOriginal(hasImage, 15_000);
    const refreshes = h.discord.requests.filter((request) => request.path === '/attachments/refresh-urls');
    expect(refreshes.map(({ method, status, json }) => ({ method, status, json }))).toEqual([{ method: 'POST', status: 200, json: { attachment_urls: recorded } }]);
    const creates = createBodies(h);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.model).toBe('seedream/4.5-edit');
    const fresh = creates[1]!.input.image_urls!;
    expect(fresh.map((url) => /\/([^/?]+)\?/.exec(url)?.[1])).toEqual(['a.png', 'b.png', 'c.png']);
    for (const [index, url] of fresh.entries()) {
      expect(url).not.toBe(recorded[index]);
      expect(url.split('?')[0]).toBe(recorded[index]!.split('?')[0]);
    }
    expect(await used(h)).toBe(2);
  });

  it("a reroll after the pictures' links expired, with a Discord that cannot refresh them, is refused privately before anything is reserved", async ({ bot }) => {
    const h = await bot({ discord: { attachmentUrlLifetimeMs: 1_500, attachmentUrlRefresh: false } });
    const delivered = await blend(h, [await png(h, 'a.png'), await png(h, 'b.png')]).waitForOriginal(hasImage, 15_000);
    const recorded = createBodies(h)[0]!.input.image_urls![0]!;
    await expect.poll(async () => (await fetch(recorded)).status, { timeout: 5_000, interval: 200 }).toBe(404);
    expect(await privateAnswer(press(h.discord, delivered, 'Reroll', MEMBER))).toBe(messages.picturesExpired);
    expect(h.discord.requests.filter((request) => request.path === '/attachments/refresh-urls').map(({ status }) => status)).toEqual([404]);
    expect(createBodies(h)).toHaveLength(1);
    expect(await used(h)).toBe(1);
    expect(h.app.jobs.inFlight).toBe(0);
  });
});

/** Styles and defaults, run against each store. */
function stylesAndDefaults(stage: (defer: (cleanup: () => Promise<unknown>) => void) => { storageUrl?: string; storageKeyPrefix?: string }) {
  it('an admin adds a style; /imagine style: sends prompt then style text, names the style, and checks banned words on the whole', async ({ bot, defer }) => {
    const h = await bot(stage(defer));
    expect(await admin(h, 'styles', 'add', [string('name', 'Watercolour'), string('text', 'soft watercolour, paper texture')])).toBe(messages.styleAdded('Watercolour', 1));
    expect(await admin(h, 'styles', 'add', [string('name', 'noir'), string('text', 'black and white film noir')])).toBe(messages.styleAdded('noir', 2));
    expect(await admin(h, 'styles', 'list')).toContain('**Watercolour**: soft watercolour, paper texture');

    const styled = h.discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: [string('prompt', 'a fox'), string('style', 'watercolour')] });
    const delivered = await styled.waitForOriginal(hasImage, 15_000);
    expect(createBodies(h)[0]?.input.prompt).toBe('a fox, soft watercolour, paper texture');
    expect(detailsOf(delivered)).toContain(detail(messages.styleField, 'Watercolour'));

    await admin(h, 'words', 'add', [string('word', 'noir')]);
    const banned = h.discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: [string('prompt', 'a detective'), string('style', 'noir')] });
    expect(await privateAnswer(banned)).toBe(messages.bannedWord('noir'));
    const unknown = h.discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: [string('prompt', 'a fox'), string('style', 'cubist')] });
    expect(await privateAnswer(unknown)).toBe(messages.unknownStyle('cubist'));
    expect(createBodies(h)).toHaveLength(1);
    expect(await used(h)).toBe(1);
  });

  it('/settings stores defaults that /imagine uses (a default count of 2 makes a set of two, /blend stays one), its own options win, a removed default style is left out and said', async ({ bot, defer }) => {
    const h = await bot(stage(defer));
    await admin(h, 'styles', 'add', [string('name', 'noir'), string('text', 'film noir')]);
    expect(await privateAnswer(h.command('settings'))).toBe(messages.settingsShown({}));
    const saved = await privateAnswer(h.command('settings', [string('aspect', '16:9'), string('quality', 'high'), string('count', 2, 4), string('style', 'NOIR')]));
    expect(saved).toBe(messages.settingsSaved({ aspect: '16:9', quality: 'high', count: 2, style: 'noir' }));
    // Another member's defaults are their own.
    expect(await privateAnswer(h.command('settings', [], { user: OTHER }))).toBe(messages.settingsShown({}));

    // The default count of 2 makes a set of two in one message; an explicit count wins over it.
    const street = await h.imagine({ prompt: 'a street' }).waitForOriginal(hasImage, 15_000);
    expect(street.attachments).toHaveLength(2);
    const bridge = await h.imagine({ prompt: 'a bridge', aspect: '1:1', quality: 'basic', count: 1 }).waitForOriginal(hasImage, 15_000);
    expect(bridge.attachments).toHaveLength(1);
    const street4K = { prompt: 'a street, film noir', aspect_ratio: '16:9', quality: 'high' };
    expect(createBodies(h).map((body) => body.input)).toEqual([street4K, street4K, { prompt: 'a bridge, film noir', aspect_ratio: '1:1', quality: 'basic' }]);
    const gulls = await h.imagine({ prompt: 'gulls', count: 3 }).waitForOriginal(hasImage, 15_000);
    expect(gulls.attachments).toHaveLength(3);
    // /blend makes one image whatever the member's default count.
    const blended = await blend(h, [await png(h, 'a.png'), await png(h, 'b.png')]).waitForOriginal(hasImage, 15_000);
    expect(blended.attachments).toHaveLength(1);
    expect(createBodies(h)).toHaveLength(7);
    await expect.poll(() => used(h), { timeout: 5_000 }).toBe(7);

    expect(await admin(h, 'styles', 'remove', [string('name', 'Noir')])).toBe(messages.styleRemoved('noir'));
    const plain = await h.imagine({ prompt: 'a tower', count: 1 }).waitForOriginal(hasImage, 15_000);
    expect(createBodies(h)[7]?.input.prompt).toBe('a tower');
    expect(detailsOf(plain)).toContain(detail(messages.styleField, messages.droppedStyle('noir')));
    expect(await privateAnswer(h.command('settings'))).toContain(messages.settingsStyleGone('noir'));

    expect(await privateAnswer(h.command('settings', [string('reset', true, 5)]))).toBe(messages.settingsReset);
    expect(await privateAnswer(h.command('settings'))).toBe(messages.settingsShown({}));
  });

  it('a prompt that with its style is over 3000 characters is refused privately, with no task and nothing counted', async ({ bot, defer }) => {
    const h = await bot(stage(defer));
    await admin(h, 'styles', 'add', [string('name', 'long'), string('text', 'x'.repeat(1000))]);
    const prompt = 'a'.repeat(2500);
    const interaction = h.discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: [string('prompt', prompt), string('style', 'long')] });
    expect(await privateAnswer(interaction)).toBe(messages.styledPromptTooLong(3502, 3000, 'long'));
    expect(h.kie.creates).toHaveLength(0);
    expect(await used(h)).toBe(0);
  });

  it('autocomplete offers the server\'s styles matching what is typed, within 3 s, on /imagine, /blend, /settings and styles remove', async ({ bot, defer }) => {
    const h = await bot(stage(defer));
    for (const name of ['Watercolour', 'Water lilies', 'Noir']) await admin(h, 'styles', 'add', [string('name', name), string('text', `${name} look`)]);
    const typing = (commandName: string, options: unknown[]) => h.discord.dispatchAutocomplete({ commandName, guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: options as never });
    const onImagine = typing('imagine', [string('prompt', 'a fox'), { ...string('style', 'wAt'), focused: true }]);
    expect(await onImagine.waitForChoices()).toEqual([
      { name: 'Watercolour', value: 'Watercolour' },
      { name: 'Water lilies', value: 'Water lilies' },
    ]);
    expect((await onImagine.waitForResponse()).latencyMs).toBeLessThan(3000);
    expect(await typing('blend', [{ ...string('style', ''), focused: true }]).waitForChoices()).toHaveLength(3);
    expect(await typing('settings', [{ ...string('style', 'no'), focused: true }]).waitForChoices()).toEqual([{ name: 'Noir', value: 'Noir' }]);
    const remove = typing('imagine-admin', [{ name: 'styles', type: 2, options: [{ name: 'remove', type: 1, options: [{ ...string('name', 'lil'), focused: true }] }] }]);
    expect(await remove.waitForChoices()).toEqual([{ name: 'Water lilies', value: 'Water lilies' }]);
    // Typing into the prompt itself gets no suggestions.
    expect(await typing('imagine', [{ ...string('prompt', 'a f'), focused: true }]).waitForChoices()).toEqual([]);
  });

  it('at most 25 styles, names of 1 to 32 characters; only Manage Server may change them', async ({ bot, defer }) => {
    const h = await bot(stage(defer));
    for (let index = 1; index <= 25; index += 1) await admin(h, 'styles', 'add', [string('name', `style ${index}`), string('text', 'some look')]);
    expect(await admin(h, 'styles', 'add', [string('name', 'one more'), string('text', 'look')])).toBe(messages.stylesFull(25));
    expect(await admin(h, 'styles', 'add', [string('name', 'style 3'), string('text', 'another look')])).toBe(messages.styleReplaced('style 3'));
    expect(await admin(h, 'styles', 'add', [string('name', '   '), string('text', 'look')])).toBe(messages.styleNameInvalid(32));
    const member = h.command('imagine-admin', [{ name: 'styles', type: 2, options: [{ name: 'remove', type: 1, options: [string('name', 'style 1')] }] }], { user: MEMBER });
    expect(await privateAnswer(member)).toBe(messages.adminOnly);
    expect((await h.app.services.settings.policy(GUILD_ID)).styles).toHaveLength(25);
  });
}

describe('styles and /settings on SQLite', () => {
  stylesAndDefaults(() => ({}));
});

describe.skipIf(!redisTestUrl())('styles and /settings on Redis', () => {
  stylesAndDefaults((defer) => redisBotStorage(defer));
});
