import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commandData, commandMap, commands, messageCommands } from '../../commands/index.js';
import { imagineAdminCommand } from '../../commands/imagine-admin-data.js';
import { imagineCommand } from '../../commands/imagine-data.js';
import { quotaCommand } from '../../commands/quota-data.js';
import { blendCommand } from '../../commands/blend-data.js';

// Discord's rule for command and option names (CHAT_INPUT commands must also be lowercase).
const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

interface JsonOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  max_length?: number;
  choices?: ReadonlyArray<{ name: string; value: string | number }>;
  options?: readonly JsonOption[];
}

interface JsonCommand {
  name: string;
  description: string;
  options?: readonly JsonOption[];
}

const allData: readonly JsonCommand[] = commands.map((command) => command.data as JsonCommand);

function optionNamed(list: readonly JsonOption[] | undefined, name: string): JsonOption {
  const option = list?.find((candidate) => candidate.name === name);
  if (!option) throw new Error(`no option ${name}`);
  return option;
}

/** Every command and option in the tree, with a readable path for failure messages. */
function* walk(node: JsonCommand | JsonOption, path: string): Generator<{ path: string; node: JsonCommand | JsonOption }> {
  yield { path, node };
  for (const option of node.options ?? []) yield* walk(option, `${path} ${option.name}`);
}

describe('command definitions', () => {
  it('exports /imagine, /blend, /settings, /quota, /history and /imagine-admin, and the message command Edit image', () => {
    expect(allData.map((data) => data.name).sort()).toEqual(['blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings']);
    expect(messageCommands.map((command) => command.data)).toEqual([{ name: 'Edit image', type: 3, contexts: [0], integration_types: [0] }]);
    expect(commandData().map((data) => data.name)).toEqual([...allData.map((data) => data.name), 'Edit image']);
  });

  it('uses valid lowercase names and 1..100 character descriptions everywhere', () => {
    for (const data of allData) {
      for (const { path, node } of walk(data, data.name)) {
        expect(node.name, path).toMatch(NAME);
        expect(node.name, path).toBe(node.name.toLowerCase());
        expect(node.description.length, path).toBeGreaterThanOrEqual(1);
        expect(node.description.length, path).toBeLessThanOrEqual(100);
        expect((node.options ?? []).length, path).toBeLessThanOrEqual(25);
        const names = (node.options ?? []).map((option) => option.name);
        expect(new Set(names).size, `${path}: duplicate option names`).toBe(names.length);
        const choices = (node as JsonOption).choices ?? [];
        expect(choices.length, path).toBeLessThanOrEqual(25);
        for (const choice of choices) {
          expect(choice.name.length, `${path} choice`).toBeGreaterThanOrEqual(1);
          expect(choice.name.length, `${path} choice`).toBeLessThanOrEqual(100);
        }
      }
    }
  });

  it('lists required options before optional ones', () => {
    for (const data of allData) {
      for (const { path, node } of walk(data, data.name)) {
        const flags = (node.options ?? []).map((option) => option.required === true);
        const firstOptional = flags.indexOf(false);
        if (firstOptional >= 0) expect(flags.slice(firstOptional).includes(true), path).toBe(false);
      }
    }
  });

  it('makes every command guild-only and installable to guilds', () => {
    for (const data of [imagineCommand, quotaCommand, imagineAdminCommand]) {
      expect(data.contexts).toEqual([InteractionContextType.Guild]);
      expect(data.integration_types).toEqual([0]);
    }
  });

  it('gives /imagine a required prompt of at most 3000 characters', () => {
    const prompt = optionNamed(imagineCommand.options, 'prompt');
    expect(prompt.type).toBe(ApplicationCommandOptionType.String);
    expect(prompt.required).toBe(true);
    expect(prompt.max_length).toBe(3000);
  });

  it('offers the eight aspect ratios as choices', () => {
    const aspect = optionNamed(imagineCommand.options, 'aspect');
    expect(aspect.type).toBe(ApplicationCommandOptionType.String);
    expect(aspect.required).not.toBe(true);
    expect(aspect.choices?.map((choice) => choice.value)).toEqual(['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9']);
  });

  it('offers two qualities with values basic and high', () => {
    const quality = optionNamed(imagineCommand.options, 'quality');
    expect(quality.type).toBe(ApplicationCommandOptionType.String);
    expect(quality.required).not.toBe(true);
    expect(quality.choices).toEqual([
      { name: '2K', value: 'basic' },
      { name: '4K', value: 'high' },
    ]);
  });

  it('declares the permission of every admin subcommand as data, and none for member commands', () => {
    const admin = commands.find((command) => command.data.name === 'imagine-admin');
    expect(admin?.permissions?.command).toBe('ManageGuild');
    const declared = Object.keys(admin?.permissions?.subcommands ?? {}).sort();
    const leaves = [...walk(imagineAdminCommand as JsonCommand, '')]
      .filter(({ node }) => 'type' in node && node.type === ApplicationCommandOptionType.Subcommand)
      .map(({ path }) => path.trim())
      .sort();
    expect(declared).toEqual(leaves);
    for (const command of commands.filter((candidate) => candidate.data.name !== 'imagine-admin')) expect(command.permissions).toBeUndefined();
  });

  it('gives /blend six pictures in order, the first two required, before its optional options', () => {
    const options = blendCommand.options as readonly JsonOption[];
    expect(options.map((option) => option.name)).toEqual(['image1', 'image2', 'image3', 'image4', 'image5', 'image6', 'prompt', 'aspect', 'quality', 'style', 'private']);
    expect(options.filter((option) => option.required === true).map((option) => option.name)).toEqual(['image1', 'image2']);
    expect(options.slice(0, 6).every((option) => option.type === ApplicationCommandOptionType.Attachment)).toBe(true);
  });

  it('gives /quota no options', () => {
    expect((quotaCommand as JsonCommand).options ?? []).toEqual([]);
  });

  it('hides /imagine-admin from members without Manage Server', () => {
    expect(imagineAdminCommand.default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
    expect((imagineCommand as { default_member_permissions?: unknown }).default_member_permissions).toBeUndefined();
  });

  it('defines the admin subcommands with the right option types', () => {
    const options = imagineAdminCommand.options as readonly JsonOption[];
    expect(options.map((option) => option.name)).toEqual(['limit', 'reset', 'block', 'unblock', 'usage', 'words', 'log', 'channels', 'styles', 'cap', 'priority', 'credits', 'pause', 'resume']);
    const limit = optionNamed(options, 'limit');
    expect(limit.type).toBe(ApplicationCommandOptionType.Subcommand);
    expect(optionNamed(limit.options, 'limit')).toMatchObject({ type: ApplicationCommandOptionType.Integer, required: true, min_value: 0 });
    expect(optionNamed(limit.options, 'user')).toMatchObject({ type: ApplicationCommandOptionType.User, required: false });
    for (const name of ['reset', 'block', 'unblock']) {
      expect(optionNamed(optionNamed(options, name).options, 'user')).toMatchObject({ type: ApplicationCommandOptionType.User, required: true });
    }
    const words = optionNamed(options, 'words');
    expect(words.type).toBe(ApplicationCommandOptionType.SubcommandGroup);
    expect(words.options?.map((option) => option.name)).toEqual(['add', 'remove', 'list']);
    expect(optionNamed(optionNamed(words.options, 'add').options, 'word')).toMatchObject({
      type: ApplicationCommandOptionType.String,
      required: true,
    });
    const styles = optionNamed(options, 'styles');
    expect(styles.options?.map((option) => option.name)).toEqual(['add', 'remove', 'list']);
    expect(optionNamed(optionNamed(styles.options, 'add').options, 'name')).toMatchObject({ type: ApplicationCommandOptionType.String, required: true, max_length: 32 });
    expect(optionNamed(optionNamed(styles.options, 'remove').options, 'name')).toMatchObject({ autocomplete: true });
    const priority = optionNamed(options, 'priority');
    expect(priority.type).toBe(ApplicationCommandOptionType.SubcommandGroup);
    expect(priority.options?.map((option) => option.name)).toEqual(['add', 'remove', 'list']);
    for (const name of ['add', 'remove']) {
      expect(optionNamed(optionNamed(priority.options, name).options, 'role')).toMatchObject({ type: ApplicationCommandOptionType.Role, required: true });
    }
  });

  it('is plain JSON that survives serialisation unchanged', () => {
    for (const data of allData) expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe('commandMap', () => {
  it('maps each command by its name', () => {
    const map = commandMap(commands);
    expect([...map.keys()].sort()).toEqual(['blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings']);
    for (const command of commands) expect(map.get(command.data.name)).toBe(command);
  });

  it('refuses two commands with the same name', () => {
    const [first] = commands;
    if (!first) throw new Error('no commands');
    const twin = { ...first, execute: async () => {} };
    expect(() => commandMap([...commands, twin])).toThrow(`two commands are named ${first.data.name}`);
  });
});
