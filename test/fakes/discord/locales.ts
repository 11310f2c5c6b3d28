/** Discord's locales (https://discord.com/developers/docs/reference#locales): what it sends as `locale` and accepts as localization keys. */
export const DISCORD_LOCALES: ReadonlySet<string> = new Set([
  'id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR', 'ro', 'fi',
  'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko',
]);

/** A test asking for a locale Discord never sends is a broken test: say so at once. */
export function checkedLocale(locale: string | undefined, what: string): string | undefined {
  if (locale !== undefined && !DISCORD_LOCALES.has(locale)) throw new Error(`FakeDiscord: ${what} "${locale}" is not one of Discord's locales`);
  return locale;
}
