import { describe, expect } from 'vitest';
import { messages, messagesFor } from '../../src/messages.js';
import type { FakeInteraction, FakeMessage } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { ADMIN, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, type Harness } from '../helpers/harness.js';
import { buttonsOf } from '../helpers/image-loop.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { jobsIdle } from '../helpers/jobs.js';
import { channelId, person } from '../helpers/ids.js';
import { readCard } from '../helpers/result-card.js';

const LOG_CHANNEL = channelId(4);
const de = messagesFor('de');

/** A server whose preferred locale is French, with a log channel. */
const frenchServer = {
  discord: { guilds: [{ id: GUILD_ID, locale: 'fr', channels: [{ id: CHANNEL_ID, name: 'general' }, { id: LOG_CHANNEL, name: 'journal' }] }] },
};

/** An admin of the server whose Discord client speaks `locale`. */
function adminIn(h: Harness, locale: string) {
  return h.guild.member(ADMIN, { permissions: MANAGE_GUILD, locale });
}

/** The private answer an admin command got. */
async function privateAnswer(interaction: FakeInteraction): Promise<string> {
  const reply = await firstReply(interaction);
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.ephemeral).toBe(true);
  return reply.content;
}

describe('every sentence in the reader’s language', () => {
  it('a member with the de locale reads the status, the result and the refusals in German; an en-US member in English', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' }, kie: { defaultScenario: { outcome: 'never' } } });
    const job = h.imagine({ prompt: 'ein Leuchtturm', locale: 'de' });
    expect((await firstReply(job)).type).toBe(CALLBACK_DEFERRED);
    await h.kie.waitFor(() => h.kie.creates[0]?.taskId !== undefined);
    const status = await job.waitForOriginal((m) => m.content.startsWith('🎨'), 10_000);
    expect(status.content).toMatch(new RegExp(`^🎨 (${[de.stateQueued, de.stateGenerating, de.stateSubmitting].join('|')}) … · \\d+ Sek\\.$`));
    h.kie.completeTask(h.kie.creates[0]!.taskId!);
    const result = await job.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(readCard(result).heading).toBe('### Dein Bild');
    expect(buttonsOf(result).map((button) => button.label)).toEqual(['Neu würfeln', 'Bearbeiten', 'Hochskalieren', 'Löschen']);
    await jobsIdle(h.app.jobs);

    const refused = await firstReply(h.imagine({ prompt: 'noch eins', locale: 'de' }));
    expect(refused.type).toBe(CALLBACK_MESSAGE);
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toContain('Du hast dein 1 Bild für heute verbraucht (1/1).');
    expect(refused.content).toMatch(/Dein Kontingent wird <t:\d+:R> \(<t:\d+:t>\) zurückgesetzt\./);

    const blank = await firstReply(h.imagine({ prompt: '   ', locale: 'de' }));
    expect(blank.content).toBe(de.emptyPrompt);

    const quota = await firstReply(h.command('quota', [], { locale: 'de' }));
    expect(quota.content).toContain('**Heute:** 1/1 Bilder verbraucht, 0 übrig.');

    // Someone else in the same server, with Discord in English, reads English.
    const english = await firstReply(h.imagine({ prompt: '   ', locale: 'en-US', user: person('neighbour') }));
    expect(english.content).toBe(messages.emptyPrompt);
  });

  it("a set in Japanese: its titles and numbered buttons, and a set larger than what is left refused in the member's words", async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '3' } });
    const set = h.imagine({ prompt: '灯台', count: 2, locale: 'ja' });
    const result = await set.waitForOriginal((m) => m.attachments.length === 2, 15_000);
    const card = readCard(result);
    expect(card.heading).toBe('### あなたの画像（2枚）');
    expect(card.alts).toEqual(['画像1: 灯台', '画像2: 灯台']);
    expect(buttonsOf(result).map((button) => button.label)).toEqual(['もう一度', '削除', '編集 1', '編集 2', 'アップスケール 1', 'アップスケール 2']);
    await jobsIdle(h.app.jobs);
    const refused = await firstReply(h.imagine({ prompt: 'もう二枚', count: 2, locale: 'ja' }));
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toContain('2枚を指定しましたが、今日の残りは1枚だけです。');
  });

  it('a locale the bot does not speak falls back to its language family, then to en-US', async ({ bot }) => {
    const h = await bot();
    expect((await firstReply(h.imagine({ prompt: '   ', locale: 'es-419' }))).content).toBe(messagesFor('es-ES').emptyPrompt);
    expect((await firstReply(h.imagine({ prompt: '   ', locale: 'en-GB' }))).content).toBe(messages.emptyPrompt);
    expect((await firstReply(h.imagine({ prompt: '   ', locale: 'ko' }))).content).toBe(messages.emptyPrompt);
  });

  it('an admin reads replies in their own language while the log channel is written in the server’s (guild_locale)', async ({ bot }) => {
    const h = await bot(frenchServer);
    const fr = messagesFor('fr');
    const ja = messagesFor('ja');
    expect(await privateAnswer(adminIn(h, 'ja').admin('log channel', { channel: LOG_CHANNEL }))).toBe(ja.logChannelSet(LOG_CHANNEL));
    expect(await privateAnswer(adminIn(h, 'ja').admin('pause'))).toBe(ja.pausedNow);

    const refusal = await firstReply(h.imagine({ prompt: 'a lighthouse', locale: 'pt-BR' }));
    expect(refusal.content).toBe(messagesFor('pt-BR').paused);

    const posts: FakeMessage[] = h.discord.channelMessages(LOG_CHANNEL);
    expect(posts.map((post) => (post.embeds[0] as { description?: string }).description)).toEqual([fr.logChannelSet(LOG_CHANNEL), fr.pausedNow]);
    expect(posts.map((post) => (post.embeds[0] as { fields?: Array<{ name: string }> }).fields?.[0]?.name)).toEqual([fr.logAdmin, fr.logAdmin]);
  });
});
