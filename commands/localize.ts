import type { RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../src/i18n/locales.js';
import { de } from './localizations/de.js';
import { esES } from './localizations/es-ES.js';
import { fr } from './localizations/fr.js';
import { ja } from './localizations/ja.js';
import { ptBR } from './localizations/pt-BR.js';
import type { CommandTranslations, Translation } from './localizations/types.js';

/** The languages a command is translated into (en-US is the command data itself). */
export type TranslatedLocale = Exclude<Locale, typeof DEFAULT_LOCALE>;
export const TRANSLATED_LOCALES = LOCALES.filter((locale): locale is TranslatedLocale => locale !== DEFAULT_LOCALE);

export const COMMAND_TRANSLATIONS: Record<TranslatedLocale, CommandTranslations> = { de, fr, 'es-ES': esES, 'pt-BR': ptBR, ja };

interface Localizable {
  name: string;
  description?: string;
  name_localizations?: Partial<Record<string, string>> | null;
  description_localizations?: Partial<Record<string, string>> | null;
  options?: readonly Localizable[];
  choices?: readonly { name: string; value: string | number; name_localizations?: Partial<Record<string, string>> | null }[];
}

/** The command with every translation it has applied (names, descriptions and choice names); the data itself is left as it is. */
export function localizeCommand<C extends RESTPostAPIApplicationCommandsJSONBody>(command: C, translations = COMMAND_TRANSLATIONS): C {
  return localize(command as Localizable, command.name, translations) as unknown as C;
}

function localize(item: Localizable, path: string, translations: Record<TranslatedLocale, CommandTranslations>): Localizable {
  const pick = (key: string, field: keyof Translation) =>
    Object.fromEntries(TRANSLATED_LOCALES.flatMap((locale) => {
      const text = translations[locale][key]?.[field];
      return text === undefined ? [] : [[locale, text]];
    }));
  const names = pick(path, 'name');
  const descriptions = pick(path, 'description');
  return {
    ...item,
    ...(Object.keys(names).length > 0 ? { name_localizations: names } : {}),
    ...(Object.keys(descriptions).length > 0 ? { description_localizations: descriptions } : {}),
    ...(item.options ? { options: item.options.map((option) => localize(option, `${path} ${option.name}`, translations)) } : {}),
    ...(item.choices
      ? { choices: item.choices.map((choice) => ({ ...choice, name_localizations: pick(`${path} =${choice.value}`, 'name') })) }
      : {}),
  };
}
