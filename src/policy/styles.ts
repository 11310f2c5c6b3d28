/** A server's named style: text that KIE receives after the member's prompt. */
export interface GuildStyle {
  name: string;
  text: string;
}

export const MAX_STYLES = 25;
export const MAX_STYLE_NAME_LENGTH = 32;
export const MAX_STYLE_TEXT_LENGTH = 1000;

/** The form a style's name is stored and shown in: spaces collapsed and trimmed. */
export function cleanStyleName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** The style of that name (compared without regard to case), if the server has one. */
export function findStyle(styles: readonly GuildStyle[], name: string): GuildStyle | undefined {
  const wanted = styleKey(name);
  return styles.find((style) => styleKey(style.name) === wanted);
}

export function styleKey(name: string): string {
  return cleanStyleName(name).toLowerCase();
}

/** What KIE receives: the prompt, then the style's text. Decided here only. */
export function styledPrompt(prompt: string, style: GuildStyle | undefined): string {
  return style === undefined ? prompt : `${prompt}, ${style.text}`;
}

/** The styles a store holds; anything malformed is left out. */
export function storedStyles(value: unknown): GuildStyle[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { name, text } = item as Record<string, unknown>;
    return typeof name === 'string' && typeof text === 'string' && name !== '' && text !== '' ? [{ name, text }] : [];
  });
}

/** Up to 25 of the server's styles whose names contain what the member typed so far (autocomplete). */
export function styleSuggestions(styles: readonly GuildStyle[], typed: string): Array<{ name: string; value: string }> {
  const needle = styleKey(typed);
  return styles
    .filter((style) => styleKey(style.name).includes(needle))
    .slice(0, MAX_STYLES)
    .map((style) => ({ name: style.name, value: style.name }));
}
