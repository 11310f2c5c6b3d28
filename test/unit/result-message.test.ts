import { describe, expect, it } from 'vitest';
import type { FittedImage } from '../../src/jobs/image.js';
import type { JobIn } from '../../src/jobs/job.js';
import { promptForEmbed, truncate } from '../../src/discord/embeds.js';
import { failureNotice } from '../../src/jobs/failure.js';
import { successMessage } from '../../src/jobs/result-message.js';
import { messages } from '../../src/messages.js';

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
  it('builds the reply: escaped prompt, attachment matching the file, no mentions', () => {
    const message = successMessage({ images: [{ job: job({ request: { prompt: 'a __bold__ cat', aspect: '16:9', quality: 'high' } }), image: image() }], elapsedMs: 83_000, late: false });
    expect(message.content).toBe('');
    expect(message.allowedMentions).toEqual({ parse: [] });
    expect(message.files).toHaveLength(1);
    const file = message.files?.[0];
    expect(file?.name).toBe('imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.png');
    expect(file?.contentType).toBe('image/png');
    expect(file?.data.equals(image().bytes)).toBe(true);
    const embed = message.embeds?.[0];
    expect(embed?.image?.url).toBe(`attachment://${file?.name}`);
    expect(embed?.title).toBe(messages.resultTitle);
    expect(embed?.description).toBe('a \\_\\_bold\\_\\_ cat');
    expect(embed?.fields).toEqual([
      { name: 'Aspect', value: '16:9', inline: true },
      { name: 'Quality', value: '4K (high)', inline: true },
      { name: 'Took', value: '1m 23s', inline: true },
      { name: 'Requested by', value: '<@300>', inline: true },
    ]);
    expect(embed?.footer?.text).toBe('Seedream 4.5 · 2048×1152');
  });

  it('keeps the image bytes it was given', () => {
    const fitted = image({ bytes: Buffer.from('jpeg-bytes'), format: 'jpeg' });
    const message = successMessage({ images: [{ job: job(), image: fitted }], elapsedMs: 1000, late: false });
    expect(message.files?.[0]?.data).toBe(fitted.bytes);
    expect(message.files?.[0]?.name).toBe('imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jpg');
    expect(message.files?.[0]?.contentType).toBe('image/jpeg');
    expect(message.embeds?.[0]?.image?.url).toBe('attachment://imagine-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jpg');
  });

  it('keeps the embed description within 4096 units for the longest prompt', () => {
    const prompt = `${'_*'.repeat(1400)}${'😀'.repeat(200)}`;
    const message = successMessage({ images: [{ job: job({ request: { prompt, aspect: '1:1', quality: 'basic' } }), image: image() }], elapsedMs: 0, late: false });
    const description = message.embeds?.[0]?.description ?? '';
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(description).not.toMatch(LONE_SURROGATE);
  });

  it('mentions only the member when delivered late', () => {
    const message = successMessage({ images: [{ job: job(), image: image() }], elapsedMs: 1000, late: true });
    expect(message.content).toBe(messages.lateDelivery('300'));
    expect(message.content).toContain('<@300>');
    expect(message.allowedMentions).toEqual({ users: ['300'] });
  });

  it('links the full-size original when the image was re-encoded', () => {
    const message = successMessage({
      images: [{ job: job(), image: image({ format: 'jpeg', resized: true, width: 1536, height: 864 }) }],
      elapsedMs: 1000,
      late: false,
    });
    const original = message.embeds?.[0]?.fields?.find((field) => field.name === 'Original');
    expect(original?.value).toContain(messages.resized(10 * 1024 * 1024));
    expect(original?.value).toContain('(https://tempfile.example/result/abc.png)');
    expect(message.embeds?.[0]?.footer?.text).toBe('Seedream 4.5 · 1536×864');
  });

  it('adds no original link when the image was sent as generated', () => {
    const message = successMessage({ images: [{ job: job(), image: image() }], elapsedMs: 1000, late: false });
    expect(message.embeds?.[0]?.fields?.some((field) => field.name === 'Original')).toBe(false);
  });

  it('omits dimensions it does not know', () => {
    const message = successMessage({ images: [{ job: job(), image: image({ width: undefined, height: undefined }) }], elapsedMs: 1000, late: false });
    expect(message.embeds?.[0]?.footer?.text).toBe('Seedream 4.5');
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
