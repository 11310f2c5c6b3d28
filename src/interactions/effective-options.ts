import type { RefusalReason } from '../errors.js';
import type { ImagineRequest } from '../jobs/job.js';
import { parseImagineRequest } from '../jobs/request.js';
import { MAX_PROMPT_LENGTH, type AspectRatio } from '../kie/index.js';
import type { MemberDefaults } from '../policy/member-defaults.js';
import { findStyle, styledPrompt, type GuildStyle } from '../policy/styles.js';
import type { Services } from '../services.js';

/** What the member typed into /imagine or /blend (null where they left an option out). */
export interface ExplicitOptions {
  prompt: string | null;
  aspect: string | null;
  quality: string | null;
  count?: number | null;
  style: string | null;
  /** Whether only the member sees the result (null: their /settings default, else public). */
  private?: boolean | null;
  /** The shape of the member's own picture, when they gave one. */
  pictureAspect?: AspectRatio | undefined;
}

export type EffectiveRequest = { ok: true; request: ImagineRequest; count: number; private: boolean } | { ok: false; refusal: RefusalReason };

/**
 * The request a command starts, decided here only: each option the member gave wins; else the shape of
 * their picture (aspect only); else their /settings default; else the bot's default (public results). A named style must be
 * one of the server's; a default style an admin has since removed is left out, and the result says so. KIE
 * receives the prompt followed by the style's text, refused privately when the whole is over its limit.
 */
export function effectiveRequest(explicit: ExplicitOptions, defaults: MemberDefaults, styles: readonly GuildStyle[]): EffectiveRequest {
  let style: GuildStyle | undefined;
  let droppedStyle: string | undefined;
  if (explicit.style !== null) {
    style = findStyle(styles, explicit.style);
    if (style === undefined) return { ok: false, refusal: { code: 'unknown_style', name: explicit.style } };
  } else if (defaults.style !== undefined) {
    style = findStyle(styles, defaults.style);
    if (style === undefined) droppedStyle = defaults.style;
  }
  const parsed = parseImagineRequest({
    prompt: explicit.prompt,
    aspect: explicit.aspect ?? explicit.pictureAspect ?? defaults.aspect ?? null,
    quality: explicit.quality ?? defaults.quality ?? null,
  });
  if (!parsed.ok) return parsed;
  const prompt = styledPrompt(parsed.request.prompt, style);
  if (style !== undefined && prompt.length > MAX_PROMPT_LENGTH) {
    return { ok: false, refusal: { code: 'styled_prompt_too_long', length: prompt.length, max: MAX_PROMPT_LENGTH, style: style.name } };
  }
  const request: ImagineRequest = {
    ...parsed.request,
    prompt,
    ...(style === undefined ? {} : { style: style.name }),
    ...(droppedStyle === undefined ? {} : { droppedStyle }),
  };
  return { ok: true, request, count: explicit.count ?? defaults.count ?? 1, private: explicit.private ?? defaults.private ?? false };
}

/** The member's defaults and the server's styles: both from the server's cached policy, one read at most. */
export async function memberChoices(services: Pick<Services, 'settings'>, guildId: string, userId: string): Promise<{ defaults: MemberDefaults; styles: readonly GuildStyle[] }> {
  const policy = await services.settings.policy(guildId);
  return { defaults: policy.memberDefaults[userId] ?? {}, styles: policy.styles };
}
