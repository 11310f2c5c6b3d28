/** The languages the bot speaks; every catalog and every command localization covers each of them. */
export const LOCALES = ['en-US', 'de', 'fr', 'es-ES', 'pt-BR', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];
/** What a member reads when Discord names a language the bot does not speak. */
export const DEFAULT_LOCALE: Locale = 'en-US';

/**
 * The bot's language for a Discord locale (an interaction's `locale`, a server's `guild_locale`): the same
 * tag, else the same language (en-GB reads en-US, es-419 reads es-ES, pt reads pt-BR), else en-US.
 */
export function resolveLocale(tag: string | null | undefined): Locale {
  if (!tag) return DEFAULT_LOCALE;
  const exact = LOCALES.find((locale) => locale.toLowerCase() === tag.toLowerCase());
  if (exact !== undefined) return exact;
  const language = tag.split('-')[0]?.toLowerCase();
  return LOCALES.find((locale) => locale.split('-')[0]?.toLowerCase() === language) ?? DEFAULT_LOCALE;
}
