import { describe, expect, it } from 'vitest';
import { parseImagineRequest, type ParsedRequest } from '../../src/jobs/request.js';
import { messages } from '../../src/messages.js';

const parse = (prompt: string | null, aspect: string | null = null, quality: string | null = null): ParsedRequest =>
  parseImagineRequest({ prompt, aspect, quality });

function accepted(result: ParsedRequest) {
  if (!result.ok) throw new Error(`refused: ${result.refusal.code}`);
  return result.request;
}

/** The sentence the member reads for the refusal. */
function refused(result: ParsedRequest): string {
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.request)}`);
  return messages.refusal(result.refusal);
}

describe('parseImagineRequest', () => {
  it('defaults to 1:1 and basic quality', () => {
    expect(accepted(parse('a lighthouse at dusk'))).toEqual({ prompt: 'a lighthouse at dusk', aspect: '1:1', quality: 'basic' });
  });

  it('keeps the chosen aspect and quality', () => {
    expect(accepted(parse('a cat', '21:9', 'high'))).toEqual({ prompt: 'a cat', aspect: '21:9', quality: 'high' });
    for (const aspect of ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9']) {
      expect(accepted(parse('x', aspect)).aspect).toBe(aspect);
    }
  });

  it.each([
    ['null', null],
    ['empty', ''],
    ['spaces and newlines', '  \n\t  '],
    ['zero-width characters', '\u200b\u200c\u200d\u2060\ufeff'],
    ['a soft hyphen and no-break spaces', '\u00ad\u00a0\u3000'],
    ['control characters only', '\u0000\u0007\u001b'],
    ['direction overrides only', '\u202e\u2066\u2069'],
  ])('refuses a prompt that is %s', (_label, prompt) => {
    expect(refused(parse(prompt))).toBe(messages.emptyPrompt);
  });

  it('accepts 3000 characters and refuses 3001', () => {
    expect(accepted(parse('a'.repeat(3000))).prompt).toHaveLength(3000);
    const reason = refused(parse('a'.repeat(3001)));
    expect(reason).toBe(messages.promptTooLong(3001, 3000));
  });

  it("counts UTF-16 units as KIE's limit does: 1500 emoji are accepted, 1501 refused", () => {
    const emoji = '😀'.repeat(1500);
    expect(emoji.length).toBe(3000);
    expect(accepted(parse(emoji)).prompt).toBe(emoji);
    expect(refused(parse(`${emoji}😀`))).toBe(messages.promptTooLong(3002, 3000));
  });

  it('measures the length after trimming', () => {
    expect(accepted(parse(`   ${'b'.repeat(3000)}   `)).prompt).toBe('b'.repeat(3000));
  });

  it('strips control characters and bidirectional overrides but keeps line breaks', () => {
    const prompt = accepted(parse('\u202eevil\u202c cat\u0000 in\u0007 a \u2066hat\u2069\u001b\nsecond line\tend')).prompt;
    expect(prompt).toBe('evil cat in a hat\nsecond line\tend');
  });

  it('trims surrounding whitespace', () => {
    expect(accepted(parse('  \n a fox \n ')).prompt).toBe('a fox');
  });

  it('refuses a tampered aspect ratio and lists the allowed ones', () => {
    const reason = refused(parse('a cat', '5:4'));
    expect(reason).toBe(messages.invalidChoice('aspect', ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9']));
    for (const allowed of ['1:1', '16:9', '21:9']) expect(reason).toContain(`\`${allowed}\``);
  });

  it('refuses a tampered quality and lists the allowed ones', () => {
    for (const quality of ['ultra', '4K', 'HIGH', '']) {
      const reason = refused(parse('a cat', null, quality));
      expect(reason).toBe(messages.invalidChoice('quality', ['basic', 'high']));
      expect(reason).toContain('`basic`');
      expect(reason).toContain('`high`');
    }
  });

  it('checks the prompt before the choices', () => {
    expect(refused(parse(' ', 'bogus', 'bogus'))).toBe(messages.emptyPrompt);
  });
});
