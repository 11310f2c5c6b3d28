import { ASPECT_RATIOS, MAX_PROMPT_LENGTH, QUALITIES, type AspectRatio, type Quality } from '../kie/index.js';
import type { RefusalReason } from '../errors.js';
import type { ImagineRequest } from './job.js';

export type ParsedRequest = { ok: true; request: ImagineRequest } | { ok: false; refusal: RefusalReason };

// Control characters, bidirectional controls and invisible format characters never belong in a prompt; they
// only disguise it. A zero-width joiner inside an emoji sequence (👩‍💻, 🏳️‍🌈) is part of the emoji and stays.
const STRIP =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f])\u200d|\u200d(?!\p{Extended_Pictographic})/gu;

/** Validates what Discord delivered; a tampered client can send values the command's choices never offered. */
export function parseImagineRequest(raw: { prompt: string | null; aspect: string | null; quality: string | null }): ParsedRequest {
  const prompt = (raw.prompt ?? '').replace(STRIP, '').trim();
  if (!hasVisibleText(prompt)) return { ok: false, refusal: { code: 'empty_prompt' } };
  // KIE's 3000-character limit is checked in UTF-16 units by our client (the strictest reading), so an emoji
  // counts twice; refusing here keeps the answer private and free.
  const length = prompt.length;
  if (length > MAX_PROMPT_LENGTH) {
    return { ok: false, refusal: { code: 'prompt_too_long', length, max: MAX_PROMPT_LENGTH } };
  }
  const aspect = raw.aspect ?? '1:1';
  if (!isOneOf(ASPECT_RATIOS, aspect)) return { ok: false, refusal: { code: 'invalid_choice', option: 'aspect', allowed: ASPECT_RATIOS } };
  const quality = raw.quality ?? 'basic';
  if (!isOneOf(QUALITIES, quality)) return { ok: false, refusal: { code: 'invalid_choice', option: 'quality', allowed: QUALITIES } };
  return { ok: true, request: { prompt, aspect: aspect as AspectRatio, quality: quality as Quality } };
}

// Hangul and braille fillers render as blank space although Unicode calls them letters or symbols.
const VISIBLE = /[^\s\p{Cf}\p{Z}\u115f\u1160\u2800\u3164\uffa0]/u;

/** Stops at the first visible character: a 3000-character prompt is not copied to find out. */
function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}

function isOneOf(values: readonly string[], value: string): boolean {
  return values.includes(value);
}
