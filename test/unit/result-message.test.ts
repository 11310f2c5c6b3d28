import { describe, expect, it } from 'vitest';
import type { FittedImage } from '../../src/jobs/image.js';
import type { JobIn } from '../../src/jobs/job.js';
import { promptForEmbed, truncate } from '../../src/discord/embeds.js';
import { failureNotice } from '../../src/jobs/failure.js';
import { successMessage } from '../../src/jobs/result-message.js';
import { messages } from '../../src/messages.js';
import { CARD_LIMITS, countComponents, resultCard } from '../../src/discord/result-card.js';
import { readCard } from '../helpers/result-card.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function job(overrides: Partial<JobIn<'delivering'>> = {}): JobIn<'delivering'> {
  return {
    id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    guildId: '100',
    channelId: '200',
    userId: '300',
    applicationId: '400',
    interactionId: '500',
    interactionToken: 'interaction-token-value',
    createdAt: 1_700_000_000_000,
    request: { prompt: 'a lighthouse at dusk', aspect: '16:9', quality: 'high' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    reservation: { guildId: '100', userId: '300', day: '2023-11-14' },
    phase: 'delivering',
    taskId: 'task-1',
    submittedAt: 1_700_000_005_000,
    resultUrl: 'https://tempfile.example/result/abc.png',
    ...overrides,
  };
}

const image = (overrides: Partial<FittedImage> = {}): FittedImage => ({
  bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]),
  format: 'png',
  resized: false,
  width: 2048,
  height: 1152,
  ...overrides,
});

describe('truncate', () => {
  it('returns text within the limit unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('', 5)).toBe('');
    expect(truncate('😀😀', 4)).toBe('😀😀');
  });

  it('cuts longer text to exactly the limit, ending with an ellipsis', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abcdefghij', 5)).toHaveLength(5);
  });

  it('never splits a surrogate pair and stays within the limit in UTF-16 units', () => {
    const samples = ['😀'.repeat(50), `a${'😀'.repeat(50)}`, `ab${'👍🏽'.repeat(20)}x`, `${'é'.repeat(7)}${'𝕏'.repeat(30)}`];
    for (const text of samples) {
      for (let max = 1; max <= text.length + 1; max += 1) {
        const out = truncate(text, max);
        expect(out.length, `${JSON.stringify(text)} @ ${max}`).toBeLessThanOrEqual(max);
        expect(out, `${JSON.stringify(text)} @ ${max}`).not.toMatch(LONE_SURROGATE);
        if (text.length > max) {
          expect(out.endsWith('…')).toBe(true);
          // As much text as fits: at most one code point (2 units) short of the limit.
          expect(out.length).toBeGreaterThanOrEqual(max - 1);
          expect(text.startsWith(out.slice(0, -1))).toBe(true);
        }
      }
    }
  });
});

describe('promptForEmbed', () => {
  it('escapes markdown so the prompt shows as typed', () => {
    const out = promptForEmbed('**bold** _it_ ~~s~~ `code` ||spoiler||');
    expect(out).toContain('\\*\\*bold\\*\\*');
    expect(out).toContain('\\_it\\_');
    expect(out).toContain('\\~\\~s\\~\\~');
    expect(out).toContain('\\`code\\`');
    expect(out).toContain('\\|\\|spoiler\\|\\|');
  });

  it('fits the 4096-unit embed description even after escaping', () => {
    const out = promptForEmbed('*'.repeat(3000));
    expect(out.length).toBeLessThanOrEqual(4096);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('successMessage', () => {
  it('builds a result card: the uploaded image in a gallery, the escaped prompt, the settings, the buttons, no pings', () => {
    const message = successMessage({ images: [{ job: job({ request: { prompt: 'a __bold__ cat', aspect: '16:9', quality: 'high' } }), image: image() }], elapsedMs: 83_000, late: false });
    expect(message.content).toBeUndefined();
    expect(message.embeds).toBeUndefined();
    expect(message.allowedMentions).toEqual({ parse: [] });
    expect(message.files).toHaveLength(1);
    const file = message.files?.[0];
    expect(file?.name).toBe('imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.png');
    expect(file?.contentType).toBe('image/png');
    expect(file?.data.equals(image().bytes)).toBe(true);
    const card = readCard(message);
    expect(card.images).toEqual([`attachment://${file?.name}`]);
    expect(card.alts).toEqual(['a __bold__ cat']);
    expect(card.heading).toBe(`### ${messages.resultTitle}`);
    expect(card.prompt).toBe('a \\_\\_bold\\_\\_ cat');
    expect(card.details).toBe(['**Aspect** 16:9 · **Quality** 4K (high) · **Took** 1m 23s', '**Requested by** <@300>', '-# Seedream 4.5 · 2048×1152'].join('\n'));
    expect(card.buttons.map((button) => button.custom_id)).toEqual(['reroll', 'edit', 'delete'].map((action) => `img:v1:${action}:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`));
    expect(card.componentCount).toBeLessThanOrEqual(CARD_LIMITS.components);
  });

  it('keeps the image bytes it was given', () => {
    const fitted = image({ bytes: Buffer.from('jpeg-bytes'), format: 'jpeg' });
    const message = successMessage({ images: [{ job: job(), image: fitted }], elapsedMs: 1000, late: false });
    expect(message.files?.[0]?.data).toBe(fitted.bytes);
    expect(message.files?.[0]?.name).toBe('imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jpg');
    expect(message.files?.[0]?.contentType).toBe('image/jpeg');
    expect(readCard(message).images).toEqual(['attachment://imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jpg']);
  });

  it('keeps all the text of the card within 4000 units, and the alt text within 1024, for the longest prompt', () => {
    const prompt = `${'_*'.repeat(1400)}${'😀'.repeat(200)}`;
    const withEverything = job({
      request: { prompt, aspect: '1:1', quality: 'basic', style: 'noir', imageUrls: ['https://a.example/1.png', 'https://a.example/2.png'], parents: [{ jobId: 'p1', url: 'https://discord.com/channels/1/2/3' }] },
    });
    const message = successMessage({ images: [{ job: withEverything, image: image({ resized: true }) }], elapsedMs: 0, late: true });
    const card = readCard(message);
    expect(card.heading.length + card.prompt.length + card.details.length).toBeLessThanOrEqual(CARD_LIMITS.text);
    expect(card.prompt).not.toMatch(LONE_SURROGATE);
    expect(card.prompt.endsWith('…')).toBe(true);
    expect(card.alts[0]!.length).toBeLessThanOrEqual(CARD_LIMITS.altText);
  });

  it('names and pings only the member when delivered late', () => {
    const message = successMessage({ images: [{ job: job(), image: image() }], elapsedMs: 1000, late: true });
    expect(readCard(message).heading).toBe(`${messages.lateDelivery('300')}\n### ${messages.resultTitle}`);
    expect(message.allowedMentions).toEqual({ users: ['300'] });
  });

  it('names the style, the blend and what it was made from', () => {
    const parents = [{ jobId: 'p1', url: 'https://discord.com/channels/1/2/3' }];
    const message = successMessage({
      images: [{ job: job({ request: { prompt: 'p', aspect: '1:1', quality: 'basic', style: 'noir', imageUrls: ['https://a.example/1.png', 'https://a.example/2.png'], parents } }), image: image() }],
      elapsedMs: 1000,
      late: false,
    });
    const { details } = readCard(message);
    expect(details).toContain(`**${messages.styleField}** noir`);
    expect(details).toContain(`**${messages.blendField}** ${messages.blendedFrom(2)}`);
    expect(details).toContain(`**${messages.parentField}** ${messages.parentLinks(['https://discord.com/channels/1/2/3'])}`);
  });

  it('links the full-size original when the image was re-encoded', () => {
    const message = successMessage({
      images: [{ job: job(), image: image({ format: 'jpeg', resized: true, width: 1536, height: 864 }) }],
      elapsedMs: 1000,
      late: false,
    });
    const { details } = readCard(message);
    expect(details).toContain(`**Original** ${messages.resized(10 * 1024 * 1024)}`);
    expect(details).toContain('(https://tempfile.example/result/abc.png)');
    expect(details.endsWith('-# Seedream 4.5 · 1536×864')).toBe(true);
  });

  it('adds no original link when the image was sent as generated', () => {
    const message = successMessage({ images: [{ job: job(), image: image() }], elapsedMs: 1000, late: false });
    expect(readCard(message).details).not.toContain('**Original**');
  });

  it('holds every image of a set in one gallery, in order, with one file each, and says which failed', () => {
    const ids = ['0f1e2d3c-4b5a-6978-8796-a5b4c3d2e101', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e102', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e103'];
    const images = ids.map((id, index) => ({ job: job({ id, resultUrl: `https://tempfile.example/result/${index}.png` }), image: image({ resized: index === 1 }) }));
    const message = successMessage({ images, elapsedMs: 1000, late: false, failures: [{ code: 'service_busy' }] });
    const card = readCard(message);
    expect(message.files?.map((file) => file.name)).toEqual(ids.map((id) => `imagine-${id}.png`));
    expect(card.images).toEqual(ids.map((id) => `attachment://imagine-${id}.png`));
    expect(card.heading).toBe(`### ${messages.resultTitleSet(3)}`);
    expect(card.alts).toEqual([1, 2, 3].map((n) => `${messages.setImageTitle(n)}: a lighthouse at dusk`));
    expect(card.details).toContain(`⚠️ ${messages.setImageFailed(messages.serviceBusy)}`);
    // Only the resized image's original is linked.
    expect(card.details).toContain('(https://tempfile.example/result/1.png)');
    expect(card.details).not.toContain('(https://tempfile.example/result/0.png)');
  });

  it('omits dimensions it does not know', () => {
    const message = successMessage({ images: [{ job: job(), image: image({ width: undefined, height: undefined }) }], elapsedMs: 1000, late: false });
    expect(readCard(message).details.endsWith('-# Seedream 4.5')).toBe(true);
  });
});

describe('resultCard', () => {
  const file = (n: number) => ({ name: `imagine-${n}.png`, data: Buffer.from([n]), contentType: 'image/png' });
  const row = (labels: string[]) => ({ type: 1 as const, components: labels.map((label) => ({ type: 2 as const, style: 2 as const, label, custom_id: `img:v1:x:${label}` })) });

  it('holds a set of four images in one gallery with per-image buttons, within the 40 components', () => {
    const message = resultCard({
      heading: '### Your images',
      media: [1, 2, 3, 4].map((n) => ({ file: file(n), alt: `prompt ${n}` })),
      prompt: 'prompt',
      details: ['a', 'b'],
      footer: 'Seedream 4.5',
      buttons: [row(['Reroll', 'Delete']), row(['Edit 1', 'Edit 2', 'Edit 3', 'Edit 4']), row(['Upscale 1', 'Upscale 2', 'Upscale 3', 'Upscale 4'])],
    });
    const card = readCard(message);
    expect(card.images).toEqual([1, 2, 3, 4].map((n) => `attachment://imagine-${n}.png`));
    expect(card.buttons).toHaveLength(10);
    expect(card.componentCount).toBe(countComponents(message.components ?? []));
    expect(card.componentCount).toBeLessThanOrEqual(CARD_LIMITS.components);
    expect(message.files?.map((each) => each.name)).toEqual([1, 2, 3, 4].map((n) => `imagine-${n}.png`));
  });

  it('refuses what Discord would: no image, more than ten, or more than 40 components', () => {
    const parts = { heading: 'h', prompt: 'p', details: [], footer: 'f', buttons: [] };
    expect(() => resultCard({ ...parts, media: [] })).toThrow(RangeError);
    expect(() => resultCard({ ...parts, media: Array.from({ length: 11 }, (_, n) => ({ file: file(n), alt: 'a' })) })).toThrow(RangeError);
    const rows = Array.from({ length: 7 }, () => row(['1', '2', '3', '4', '5']));
    expect(() => resultCard({ ...parts, media: [{ file: file(1), alt: 'a' }], buttons: rows })).toThrow(/components/);
  });
});

describe('failureNotice', () => {
  it('shows the reason without mentions in the original reply', () => {
    const notice = failureNotice(job(), { code: 'service_busy' }, false);
    expect(notice.content).toBe(`⚠️ ${messages.serviceBusy}`);
    expect(notice.embeds).toEqual([]);
    expect(notice.allowedMentions).toEqual({ parse: [] });
  });

  it('addresses the member when late', () => {
    const notice = failureNotice(job(), { code: 'timed_out', afterMs: 90_000 }, true);
    expect(notice.content).toBe(`<@300>, t${messages.timedOut(90_000).slice(1)}`);
    expect(notice.allowedMentions).toEqual({ users: ['300'] });
    expect(notice.files).toBeUndefined();
  });
});
