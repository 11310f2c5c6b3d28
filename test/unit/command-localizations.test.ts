import { describe, expect, it } from 'vitest';
import { commandData } from '../../commands/index.js';
import { COMMAND_TRANSLATIONS, TRANSLATED_LOCALES } from '../../commands/localize.js';

/** Discord's rule for the names of slash commands and their options (lowercase where a script has case). */
const NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

interface Node {
  name: string;
  type?: number;
  description?: string;
  name_localizations?: Record<string, string> | null;
  description_localizations?: Record<string, string> | null;
  options?: Node[];
  choices?: { name: string; value: string | number; name_localizations?: Record<string, string> | null }[];
}

/** Every command, option and choice with its path, as the translations name them. */
function walk(node: Node, path: string, visit: (node: Node, path: string, siblings: Node[]) => void, siblings: Node[] = []): void {
  visit(node, path, siblings);
  for (const option of node.options ?? []) walk(option, `${path} ${option.name}`, visit, node.options ?? []);
}

const commands = commandData() as unknown as Node[];

describe('command localizations', () => {
  it('give every command, option and choice a name (and a description where Discord has one) in every language', () => {
    const missing: string[] = [];
    for (const command of commands) {
      const isSlash = command.type === undefined || command.type === 1;
      walk(command, command.name, (node, path) => {
        for (const locale of TRANSLATED_LOCALES) {
          if (!node.name_localizations?.[locale]) missing.push(`${path} name ${locale}`);
          if (isSlash && !node.description_localizations?.[locale]) missing.push(`${path} description ${locale}`);
          for (const choice of node.choices ?? []) {
            if (!choice.name_localizations?.[locale]) missing.push(`${path} =${choice.value} ${locale}`);
          }
        }
      });
    }
    expect(missing).toEqual([]);
  });

  it("keeps to Discord's rules: lowercase names of up to 32 letters, digits, - and _, descriptions of 1–100 characters, names unique among siblings", () => {
    const broken: string[] = [];
    for (const command of commands) {
      const isSlash = command.type === undefined || command.type === 1;
      walk(command, command.name, (node, path, siblings) => {
        for (const [locale, name] of Object.entries(node.name_localizations ?? {})) {
          if (isSlash && (!NAME.test(name) || name !== name.toLocaleLowerCase(locale))) broken.push(`${path} name ${locale}: ${name}`);
          if (!isSlash && (name.length < 1 || name.length > 32)) broken.push(`${path} name ${locale}: ${name}`);
          const clash = siblings.filter((sibling) => sibling !== node && (sibling.name_localizations?.[locale] ?? sibling.name) === name);
          if (clash.length > 0) broken.push(`${path} name ${locale} clashes with a sibling: ${name}`);
        }
        for (const [locale, description] of Object.entries(node.description_localizations ?? {})) {
          if (description.length < 1 || description.length > 100) broken.push(`${path} description ${locale} is ${description.length} long`);
        }
        for (const choice of node.choices ?? []) {
          for (const [locale, name] of Object.entries(choice.name_localizations ?? {})) {
            if (name.length < 1 || name.length > 100) broken.push(`${path} =${choice.value} ${locale}`);
          }
        }
      });
    }
    expect(broken).toEqual([]);
  });

  it('has no translation for a command, option or choice that does not exist (a renamed option would leave one behind)', () => {
    const paths = new Set<string>();
    for (const command of commands) {
      walk(command, command.name, (node, path) => {
        paths.add(path);
        for (const choice of node.choices ?? []) paths.add(`${path} =${choice.value}`);
      });
    }
    const stale = TRANSLATED_LOCALES.flatMap((locale) => Object.keys(COMMAND_TRANSLATIONS[locale]).filter((path) => !paths.has(path)).map((path) => `${locale}: ${path}`));
    expect(stale).toEqual([]);
  });
});
