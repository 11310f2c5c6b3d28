import { describe, expect, it, onTestFinished } from 'vitest';
import { messages } from '../../src/messages.js';
import { encodeCustomId, MAX_CUSTOM_ID_LENGTH, parseCustomId, type CustomId } from '../../src/discord/custom-ids.js';
import type { HistoryEntry } from '../../src/history/history.js';
import { EditSourceStore } from '../../src/interactions/edit-sources.js';
import { HISTORY_PAGE_SIZE, historyView } from '../../src/interactions/history-view.js';
import { checkPicture, closestAspect, pictureOf } from '../../src/interactions/picture.js';
import { openStorage } from '../../src/storage/index.js';
import { createTempDir } from '../helpers/tmp.js';

const JOB = '0b6f4a52-3c5e-4f57-9d1e-2f3a4b5c6d7e';

describe('custom_ids', () => {
  it.each<CustomId>([
    { kind: 'reroll', jobId: JOB },
    { kind: 'edit', jobId: JOB },
    { kind: 'delete', jobId: JOB },
    { kind: 'upscale', jobId: JOB },
    { kind: 'edit_image', jobId: JOB },
    { kind: 'edit_source', sourceId: '1400000000000000001' },
    { kind: 'history_page', offset: 20 },
  ])('round-trips %o within 100 characters', (id) => {
    const encoded = encodeCustomId(id);
    expect(encoded.startsWith('img:v1:')).toBe(true);
    expect(encoded.length).toBeLessThanOrEqual(MAX_CUSTOM_ID_LENGTH);
    expect(parseCustomId(encoded)).toEqual(id);
  });

  it('tells an older or malformed button of ours from a custom_id that is not ours', () => {
    expect(parseCustomId('img:v0:reroll:abc')).toBe('outdated');
    expect(parseCustomId('img:v1:explode:abc')).toBe('outdated');
    expect(parseCustomId(`img:v1:reroll:${JOB}:extra`)).toBe('outdated');
    expect(parseCustomId('img:v1:reroll:has spaces')).toBe('outdated');
    expect(parseCustomId('someone-else:button')).toBeUndefined();
  });
});

describe('pictures to start from', () => {
  const png = { url: 'https://cdn.example/a.png', contentType: 'image/png', size: 1000, width: 1920, height: 1080 };

  it('accepts PNG, JPEG and WebP up to 10 MB and keeps the shape nearest the picture', () => {
    expect(checkPicture(png)).toEqual({ ok: true, picture: png, url: png.url, aspect: '16:9' });
    expect(checkPicture({ ...png, contentType: 'image/jpeg; charset=binary', width: 1000, height: 1500 })).toMatchObject({ ok: true, aspect: '2:3' });
    expect(checkPicture({ ...png, contentType: 'IMAGE/WEBP', size: 10 * 1024 * 1024, width: null, height: null })).toMatchObject({ ok: true, aspect: undefined });
  });

  it('refuses anything else with a reason the member can act on', () => {
    expect(checkPicture(undefined)).toEqual({ ok: false, refusal: { code: 'no_image' } });
    expect(checkPicture({ ...png, contentType: 'image/gif' })).toEqual({ ok: false, refusal: { code: 'not_an_image', contentType: 'image/gif' } });
    expect(checkPicture({ ...png, contentType: null })).toEqual({ ok: false, refusal: { code: 'not_an_image', contentType: null } });
    expect(checkPicture({ ...png, size: 10 * 1024 * 1024 + 1 })).toEqual({
      ok: false,
      refusal: { code: 'image_too_large', bytes: 10 * 1024 * 1024 + 1, max: 10 * 1024 * 1024 },
    });
  });

  it('picks the first image among a message\'s attachments, else the first file (to name its type)', () => {
    const text = { url: 'https://cdn.example/a.txt', contentType: 'text/plain', size: 5 };
    expect(pictureOf([text, png])).toBe(png);
    expect(pictureOf([text])).toBe(text);
    expect(pictureOf([])).toBeUndefined();
  });

  it('maps shapes to the nearest supported aspect ratio', () => {
    expect(closestAspect(1024, 1024)).toBe('1:1');
    expect(closestAspect(2560, 1080)).toBe('21:9');
    expect(closestAspect(1080, 1920)).toBe('9:16');
    expect(closestAspect(1200, 900)).toBe('4:3');
    expect(closestAspect(0, 100)).toBeUndefined();
  });
});

describe('/history pages', () => {
  const entry = (index: number): HistoryEntry => ({
    jobId: JOB,
    guildId: '1',
    channelId: '2',
    messageId: String(100 + index),
    userId: '3',
    prompt: `[click](https://evil.example) number ${index}`,
    aspect: '1:1',
    quality: 'basic',
    model: 'seedream/4.5-text-to-image',
    inputImageUrls: [],
    resultUrl: 'https://files.example/r.png',
    createdAt: 1_700_000_000_000,
  });

  it('lists entries with time and jump link, escapes prompts, and pages with Newer / Older', () => {
    const view = historyView({ entries: [entry(1), entry(2)], total: 12 }, 10, messages);
    const description = view.embeds[0]!.description!;
    expect(description).toContain('**11.** <t:1700000000:f> (<t:1700000000:R>) · [Open](https://discord.com/channels/1/2/101)');
    expect(description).toContain('\\[click\\](https://evil.example)');
    expect(view.embeds[0]!.footer!.text).toContain('11–12 of 12');
    const [newer, older] = view.components[0]!.components;
    expect(newer).toMatchObject({ label: 'Newer', custom_id: 'img:v1:history:0', disabled: false });
    expect(older).toMatchObject({ label: 'Older', custom_id: 'img:v1:history:20', disabled: true });
  });

  it('has no buttons when everything fits, and an entry still uploading has no link yet', () => {
    const { messageId: _unknown, ...uploading } = entry(1);
    const view = historyView({ entries: [uploading], total: 1 }, 0, messages);
    expect(view.components).toEqual([]);
    expect(view.embeds[0]!.description).not.toContain('[Open]');
    expect(HISTORY_PAGE_SIZE).toBe(10);
  });
});

describe('pictures waiting for their edit modal (real SQLite store)', () => {
  it('are kept per member for their time to live, then gone', async () => {
    const dir = await createTempDir('edit-sources');
    onTestFinished(() => dir.remove());
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    onTestFinished(() => storage.close());
    const sources = new EditSourceStore(storage.kv, 200);
    const source = { guildId: '1', userId: '3', imageUrl: 'https://cdn.example/a.png', aspect: '1:1', quality: 'basic' } as const;
    await sources.put('900', source);
    expect(await sources.get('900', '3')).toEqual(source);
    expect(await sources.get('900', '4')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sources.get('900', '3')).toBeUndefined();
  });
});
