import { readdir, utimes, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect} from 'vitest';
import { utcDay } from '../../src/quota/day.js';
import { GUILD_ID, MEMBER, type Harness } from '../helpers/harness.js';
import { it } from '../helpers/fixtures.js';
import { readCard } from '../helpers/result-card.js';

const used = (h: Harness) => h.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) });

describe('/imagine failures and limits, end to end', () => {
  it('a failed task is shown with KIE\'s reason and the quota unit is given back', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 200, outcome: 'fail', failCode: '500', failMsg: 'content policy violation' } } });
    const interaction = h.imagine({ prompt: 'a cat' });
    const message = await interaction.waitForOriginal((m) => m.content.includes('could not be generated'), 10_000);
    expect(message.content).toContain('content policy violation');
    expect(message.content).toContain('quota was not used');
    expect(message.attachments).toHaveLength(0);
    await expect.poll(() => used(h)).toBe(0);
  });

  it('out of credits (code 402 in an HTTP 200 body) tells the member to alert an admin and refunds', async ({ bot }) => {
    const h = await bot();
    h.kie.nextCreate({ code: 402, msg: 'Credits insufficient' });
    const interaction = h.imagine({ prompt: 'a cat' });
    const message = await interaction.waitForOriginal((m) => m.content.length > 0 && !m.content.startsWith('🎨'), 10_000);
    expect(message.content).toMatch(/credits have run out.*server admin/i);
    expect(h.kie.creates).toHaveLength(1);
    await expect.poll(() => used(h)).toBe(0);
  });

  it('a task that never finishes times out after JOB_TIMEOUT_SECONDS with a clear message and a refund', async ({ bot }) => {
    const h = await bot({ env: { JOB_TIMEOUT_SECONDS: '2' }, kie: { defaultScenario: { outcome: 'never' } } });
    const interaction = h.imagine({ prompt: 'a cat' });
    const message = await interaction.waitForOriginal((m) => m.content.includes('took too long'), 10_000);
    expect(message.content).toContain('2s');
    expect(h.kie.creates).toHaveLength(1);
    await expect.poll(() => used(h)).toBe(0);
  });

  it('an image over the upload limit is re-encoded to fit, with a link to the original', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 200, image: 'large' } } });
    const large = await h.kie.imageBytes('large');
    expect(large.length).toBeGreaterThan(10 * 1024 * 1024);
    const interaction = h.imagine({ prompt: 'a detailed 4K city', quality: 'high' });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const file = message.attachments[0]!;
    expect(file.size).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(file.filename).toMatch(/\.jpg$/);
    const meta = await sharp(file.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    const original = readCard(message).details.split('\n').find((line) => line.startsWith('**Original**'));
    expect(original).toContain(h.kie.url);
    // The 12 MB original was decoded from a file, deleted once re-encoded.
    expect(await readdir(h.downloadDir)).toEqual([]);
  });

  it('honours a smaller upload limit carried by the interaction', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 200, image: 'large' } } });
    const interaction = h.imagine({ prompt: 'tiny server', attachmentSizeLimit: 2 * 1024 * 1024 });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(message.attachments[0]!.size).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('a prompt with @everyone and a user mention pings no one, in the reply or the embed', async ({ bot }) => {
    const h = await bot();
    const interaction = h.imagine({ prompt: '@everyone look <@123> and <@&456> @here' });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(message.mentions).toEqual({ everyone: false, users: [], roles: [] });
    expect(message.allowedMentions).toEqual({ parse: [] });
    for (const edit of interaction.edits) expect(edit.mentions).toEqual({ everyone: false, users: [], roles: [] });
  });

  it('progress edits show the KIE state and elapsed time while waiting', async ({ bot }) => {
    const h = await bot({
      kie: { defaultScenario: { states: [{ state: 'waiting', afterMs: 0 }, { state: 'generating', afterMs: 600 }], durationMs: 1500 } },
    });
    const interaction = h.imagine({ prompt: 'slow one' });
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    const texts = interaction.edits.map((e) => e.content).filter((c) => c.length > 0);
    expect(texts.some((t) => /Queued/.test(t))).toBe(true);
    expect(texts.some((t) => /Generating/.test(t))).toBe(true);
    expect(texts.every((t, i) => i === 0 || t !== texts[i - 1])).toBe(true);
  });
});

describe('an upload Discord refuses as too large', () => {
  it('is downloaded again, made smaller and delivered once', async ({ bot }) => {
    const h = await bot({ tuning: { polling: { minIntervalMs: 150 }, progressIntervalMs: 60_000 }, kie: { defaultScenario: { durationMs: 1_000 } } });
    const interaction = h.imagine({ prompt: 'a server with a smaller limit than it says' });
    // The first progress edit goes out at once; the next edit of the reply is the image.
    await h.discord.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'), 5_000);
    h.discord.injectFault({ method: 'PATCH', path: /\/messages\/(@|%40)original$/, status: 413, body: { message: 'Request entity too large', code: 40005 } });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(message.attachments).toHaveLength(1);
    expect(h.kie.downloads).toHaveLength(2);
    expect(await readdir(h.downloadDir)).toEqual([]);
    const refused = h.discord.requests.filter((r) => r.method === 'PATCH' && r.status === 413);
    expect(refused).toHaveLength(1);
  });
});

describe('downloads a killed process left behind', () => {
  it('are deleted when the bot starts, once they are an hour old', async ({ bot, tempDir }) => {
    const folder = await tempDir('imagine-downloads');
    const stale = folder.file('imagine-5e1d.download');
    const recent = folder.file('imagine-7c2a.download');
    await writeFile(stale, 'half a PNG');
    await writeFile(recent, 'another process is writing this one');
    const yesterday = new Date(Date.now() - 24 * 60 * 60_000);
    await utimes(stale, yesterday, yesterday);
    await bot({ downloadDir: folder.path });
    await expect.poll(() => readdir(folder.path)).toEqual(['imagine-7c2a.download']);
  });
});
