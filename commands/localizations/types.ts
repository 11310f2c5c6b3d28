/** What one command, option or choice reads in one language; a choice has a name only, a message command too. */
export interface Translation {
  name?: string;
  description?: string;
}

/**
 * One language's translations, by path: the command's name, then its option names, separated by spaces
 * (`imagine-admin words add word`); a choice is its option's path and `=value` (`imagine quality =high`).
 */
export type CommandTranslations = Readonly<Record<string, Translation>>;
