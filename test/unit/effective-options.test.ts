import { describe, expect, it } from 'vitest';
import { effectiveRequest } from '../../src/interactions/effective-options.js';
import { deliveredImageFilename, jobIdOfFilename } from '../../src/jobs/image-filename.js';
import { styleSuggestions } from '../../src/policy/styles.js';

const styles = [
  { name: 'Noir', text: 'film noir' },
  { name: 'Watercolour', text: 'soft watercolour' },
];
const none = { prompt: 'a fox', aspect: null, quality: null, style: null };

describe('effectiveRequest: explicit option > picture shape > /settings default > bot default', () => {
  it('uses the bot defaults when nothing is chosen', () => {
    expect(effectiveRequest(none, {}, styles)).toEqual({ ok: true, count: 1, private: false, request: { prompt: 'a fox', aspect: '1:1', quality: 'basic' } });
  });

  it('applies the defaults, and every explicit option beats its default', () => {
    const defaults = { aspect: '16:9', quality: 'high', count: 3, style: 'noir' } as const;
    expect(effectiveRequest(none, defaults, styles)).toEqual({
      ok: true,
      count: 3,
      private: false,
      request: { prompt: 'a fox, film noir', aspect: '16:9', quality: 'high', style: 'Noir' },
    });
    expect(effectiveRequest({ prompt: 'a fox', aspect: '1:1', quality: 'basic', count: 1, style: 'WATERCOLOUR' }, defaults, styles)).toEqual({
      ok: true,
      count: 1,
      private: false,
      request: { prompt: 'a fox, soft watercolour', aspect: '1:1', quality: 'basic', style: 'Watercolour' },
    });
  });

  it('makes results private when asked, or by the /settings default; an explicit choice beats the default', () => {
    expect(effectiveRequest({ ...none, private: true }, {}, styles)).toMatchObject({ ok: true, private: true });
    expect(effectiveRequest(none, { private: true }, styles)).toMatchObject({ ok: true, private: true });
    expect(effectiveRequest({ ...none, private: false }, { private: true }, styles)).toMatchObject({ ok: true, private: false });
    expect(effectiveRequest({ ...none, private: null }, {}, styles)).toMatchObject({ ok: true, private: false });
  });

  it("keeps the picture's shape over the default aspect, but not over the member's own", () => {
    const picture = { ...none, pictureAspect: '3:4' as const };
    expect(effectiveRequest(picture, { aspect: '16:9' }, styles)).toMatchObject({ request: { aspect: '3:4' } });
    expect(effectiveRequest({ ...picture, aspect: '21:9' }, { aspect: '16:9' }, styles)).toMatchObject({ request: { aspect: '21:9' } });
  });

  it('leaves out a default style the server no longer has, and says which; refuses an unknown style asked for by name', () => {
    expect(effectiveRequest(none, { style: 'cubist' }, styles)).toEqual({ ok: true, count: 1, private: false, request: { prompt: 'a fox', aspect: '1:1', quality: 'basic', droppedStyle: 'cubist' } });
    expect(effectiveRequest({ ...none, style: 'cubist' }, {}, styles)).toEqual({ ok: false, refusal: { code: 'unknown_style', name: 'cubist' } });
  });

  it('refuses a prompt that is over 3000 characters with its style, and one over 3000 on its own as before', () => {
    const long = [{ name: 'long', text: 'x'.repeat(1000) }];
    // 1998 + ", " + 1000 is exactly the limit.
    expect(effectiveRequest({ ...none, prompt: 'a'.repeat(1998), style: 'long' }, {}, long)).toMatchObject({ ok: true });
    expect(effectiveRequest({ ...none, prompt: 'a'.repeat(1999), style: 'long' }, {}, long)).toEqual({
      ok: false,
      refusal: { code: 'styled_prompt_too_long', length: 3001, max: 3000, style: 'long' },
    });
    expect(effectiveRequest({ ...none, prompt: 'a'.repeat(3001) }, {}, long)).toMatchObject({ ok: false, refusal: { code: 'prompt_too_long' } });
  });
});

describe('delivered image file names', () => {
  it('name the job in full, and read back (also after a browser added " (1)")', () => {
    const jobId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(jobIdOfFilename(deliveredImageFilename(jobId, 'png'))).toBe(jobId);
    expect(jobIdOfFilename(`imagine-${jobId.toUpperCase()} (1).JPG`)).toBe(jobId);
    for (const other of ['photo.png', `imagine-${jobId}.gif`, 'imagine-0f8fad5b.png', `x-imagine-${jobId}.png`]) expect(jobIdOfFilename(other)).toBeUndefined();
  });
});

describe('styleSuggestions', () => {
  it('offers the styles whose names contain what is typed, case aside, at most 25', () => {
    expect(styleSuggestions(styles, 'COL')).toEqual([{ name: 'Watercolour', value: 'Watercolour' }]);
    const many = Array.from({ length: 30 }, (_, index) => ({ name: `s${index}`, text: 't' }));
    expect(styleSuggestions(many, '')).toHaveLength(25);
  });
});
