/** Application commands as Discord stores them: validation, bulk overwrite, upsert, and the returned shape. */
import { FormErrors, unknownCommand } from './errors.js';
import { isRecord } from './json.js';
import { DISCORD_LOCALES } from './locales.js';
import type { SnowflakeGenerator } from './snowflake.js';
import type { RegisteredCommand } from './types.js';

const CHAT_INPUT = 1;
const COMMAND_TYPES = [1, 2, 3, 4];
const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;
const OPTION_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const CHOICE_TYPES = [3, 4, 10];
// Discord's documented CHAT_INPUT name pattern; letters with a lowercase form must be lowercase.
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_COMMAND_CHARS = 4000;

type Path = (string | number)[];

function validName(name: unknown, chatInput: boolean): name is string {
  if (typeof name !== 'string') return false;
  if (!chatInput) return [...name].length >= 1 && [...name].length <= 32;
  return CHAT_INPUT_NAME.test(name) && name === name.toLowerCase();
}

function checkLength(errors: FormErrors, path: Path, value: unknown, min: number, max: number): number {
  if (typeof value !== 'string') {
    errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return 0;
  }
  const length = [...value].length;
  if (length < min || length > max) {
    errors.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  }
  return length;
}

/**
 * A `*_localizations` dictionary: keys must be Discord locales, each value held to the rule of the field it
 * translates (a chat-input name's pattern, a description's or choice name's length).
 */
function validateLocalizations(dictionary: unknown, path: Path, errors: FormErrors, field: 'name' | 'message-name' | 'description' | 'choice'): void {
  if (dictionary === undefined || dictionary === null) return;
  if (!isRecord(dictionary)) {
    errors.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return;
  }
  for (const [locale, text] of Object.entries(dictionary)) {
    if (!DISCORD_LOCALES.has(locale)) {
      errors.add([...path, locale], 'ENUM_TYPE_COERCE', `Value "${locale}" is not a valid enum value.`);
      continue;
    }
    if (field === 'name' || field === 'message-name') {
      if (!validName(text, field === 'name')) errors.add([...path, locale], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else {
      checkLength(errors, [...path, locale], text, 1, 100);
    }
  }
}

/** Validates options recursively; returns the characters they add to the 4000-character command total. */
function validateOptions(options: unknown, path: Path, errors: FormErrors, depth: number): number {
  if (options === undefined || options === null) return 0;
  if (!Array.isArray(options)) {
    errors.add(path, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    return 0;
  }
  if (options.length > 25) errors.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let total = 0;
  const names = new Set<string>();
  let sawOptional = false;
  options.forEach((option: unknown, index) => {
    const at = (...rest: Path) => [...path, index, ...rest];
    if (!isRecord(option)) {
      errors.add(at(), 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    const type = option['type'];
    if (typeof type !== 'number' || !OPTION_TYPES.includes(type)) {
      errors.add(at('type'), 'BASE_TYPE_CHOICES', `Value must be one of {${OPTION_TYPES.join(', ')}}.`);
    }
    const name = option['name'];
    if (!validName(name, true)) {
      errors.add(at('name'), 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else {
      if (names.has(name)) {
        errors.add(at('name'), 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', `Option name ${name} is already used in these options`);
      }
      names.add(name);
      total += [...name].length;
    }
    total += checkLength(errors, at('description'), option['description'], 1, 100);
    validateLocalizations(option['name_localizations'], at('name_localizations'), errors, 'name');
    validateLocalizations(option['description_localizations'], at('description_localizations'), errors, 'description');
    const isSub = type === SUBCOMMAND || type === SUBCOMMAND_GROUP;
    if (!isSub) {
      if (option['required'] === true && sawOptional) {
        errors.add(at('required'), 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      }
      if (option['required'] !== true) sawOptional = true;
    }
    const choices = option['choices'];
    if (choices !== undefined && choices !== null) {
      if (!Array.isArray(choices)) {
        errors.add(at('choices'), 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
      } else {
        if (typeof type === 'number' && !CHOICE_TYPES.includes(type)) {
          errors.add(at('choices'), 'APPLICATION_COMMAND_OPTION_CHOICES_INVALID', 'Choices are not allowed for this option type');
        }
        if (choices.length > 25) errors.add(at('choices'), 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        choices.forEach((choice: unknown, choiceIndex) => {
          const choiceName = isRecord(choice) ? choice['name'] : undefined;
          total += checkLength(errors, at('choices', choiceIndex, 'name'), choiceName, 1, 100);
          const value = isRecord(choice) ? choice['value'] : undefined;
          if (isRecord(choice)) validateLocalizations(choice['name_localizations'], at('choices', choiceIndex, 'name_localizations'), errors, 'choice');
          if (typeof value === 'string') total += checkLength(errors, at('choices', choiceIndex, 'value'), value, 1, 100);
          else if (typeof value !== 'number') errors.add(at('choices', choiceIndex, 'value'), 'BASE_TYPE_REQUIRED', 'This field is required');
        });
      }
    }
    for (const key of ['min_length', 'max_length'] as const) {
      const bound = option[key];
      if (bound !== undefined && (typeof bound !== 'number' || bound < (key === 'min_length' ? 0 : 1) || bound > 6000)) {
        errors.add(at(key), 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 6000.');
      }
    }
    if (isSub) {
      if (depth >= 2 || (type === SUBCOMMAND_GROUP && depth >= 1)) {
        errors.add(at('type'), 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-command groups cannot be nested this deep');
      }
      total += validateOptions(option['options'], [...path, index, 'options'], errors, depth + 1);
    }
  });
  return total;
}

function validateCommand(body: unknown, path: Path, errors: FormErrors): void {
  if (!isRecord(body)) {
    errors.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return;
  }
  const type = body['type'] ?? CHAT_INPUT;
  if (typeof type !== 'number' || !COMMAND_TYPES.includes(type)) {
    errors.add([...path, 'type'], 'BASE_TYPE_CHOICES', `Value must be one of {${COMMAND_TYPES.join(', ')}}.`);
  }
  const chatInput = type === CHAT_INPUT;
  if (!validName(body['name'], chatInput)) {
    errors.add([...path, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  let total = typeof body['name'] === 'string' ? [...body['name']].length : 0;
  validateLocalizations(body['name_localizations'], [...path, 'name_localizations'], errors, chatInput ? 'name' : 'message-name');
  validateLocalizations(body['description_localizations'], [...path, 'description_localizations'], errors, 'description');
  if (chatInput) {
    total += checkLength(errors, [...path, 'description'], body['description'], 1, 100);
    total += validateOptions(body['options'], [...path, 'options'], errors, 0);
  } else if (typeof body['description'] === 'string' && body['description'] !== '') {
    errors.add([...path, 'description'], 'APPLICATION_COMMAND_DESCRIPTION_INVALID', 'Description must be empty for this command type');
  }
  const permissions = body['default_member_permissions'];
  if (permissions !== undefined && permissions !== null && (typeof permissions !== 'string' || !/^\d+$/.test(permissions))) {
    errors.add([...path, 'default_member_permissions'], 'NUMBER_TYPE_COERCE', `Value "${String(permissions)}" is not snowflake.`);
  }
  if (total > MAX_COMMAND_CHARS) {
    errors.add(path, 'APPLICATION_COMMAND_TOO_LARGE', `Command exceeds maximum size (${MAX_COMMAND_CHARS})`);
  }
}

/** Discord omits `required: false` in stored options. */
function normaliseOptions(options: unknown): unknown[] | undefined {
  if (!Array.isArray(options) || options.length === 0) return undefined;
  return options.map((option: unknown) => {
    if (!isRecord(option)) return option;
    const { required, options: nestedOptions, ...rest } = option;
    const nestedNormalised = normaliseOptions(nestedOptions);
    return {
      ...rest,
      ...(required === true ? { required: true } : {}),
      ...(nestedNormalised ? { options: nestedNormalised } : {}),
    };
  });
}

/** The stored command without id/version, in Discord's key order, defaults filled in. */
function storedContent(body: Record<string, unknown>, applicationId: string, guildId: string | undefined): Record<string, unknown> {
  const type = typeof body['type'] === 'number' ? body['type'] : CHAT_INPUT;
  const options = normaliseOptions(body['options']);
  return {
    application_id: applicationId,
    default_member_permissions: body['default_member_permissions'] ?? null,
    type,
    name: body['name'],
    name_localizations: body['name_localizations'] ?? null,
    description: type === CHAT_INPUT ? body['description'] : '',
    description_localizations: body['description_localizations'] ?? null,
    ...(guildId === undefined ? { dm_permission: body['dm_permission'] ?? true } : { guild_id: guildId }),
    contexts: body['contexts'] ?? null,
    integration_types: body['integration_types'] ?? [0],
    ...(options ? { options } : {}),
    nsfw: body['nsfw'] ?? false,
  };
}

/** GET without `with_localizations=true` leaves out the localization dictionaries. */
export function withoutLocalizations(command: RegisteredCommand): RegisteredCommand {
  const { name_localizations: _names, description_localizations: _descriptions, ...rest } = command;
  return rest as RegisteredCommand;
}

export class CommandRegistry {
  private readonly scopes = new Map<string, RegisteredCommand[]>();

  constructor(
    private readonly applicationId: string,
    private readonly ids: SnowflakeGenerator,
  ) {}

  list(guildId?: string): RegisteredCommand[] {
    return (this.scopes.get(guildId ?? '') ?? []).map((command) => structuredClone(command));
  }

  /** Guild command first (it shadows a global one), then global. */
  findByName(name: string, guildId?: string): RegisteredCommand | undefined {
    const inGuild = guildId === undefined ? undefined : this.scopes.get(guildId)?.find((c) => c.name === name);
    return inGuild ?? this.scopes.get('')?.find((c) => c.name === name);
  }

  get(commandId: string, guildId?: string): RegisteredCommand {
    const found = this.scopes.get(guildId ?? '')?.find((c) => c.id === commandId);
    if (!found) throw unknownCommand();
    return structuredClone(found);
  }

  /** PUT: replaces the scope; commands matching an existing name and type keep their id (and version if unchanged). */
  overwrite(body: unknown, guildId?: string): RegisteredCommand[] {
    const errors = new FormErrors();
    if (!Array.isArray(body)) {
      errors.add([], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
      errors.throwIfAny();
      return [];
    }
    body.forEach((command: unknown, index) => validateCommand(command, [index], errors));
    const seen = new Set<string>();
    body.forEach((command: unknown, index) => {
      if (!isRecord(command)) return;
      const key = `${String(command['type'] ?? CHAT_INPUT)}:${String(command['name'])}`;
      if (seen.has(key)) errors.add([index, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
      seen.add(key);
    });
    if (body.filter((c: unknown) => isRecord(c) && (c['type'] ?? CHAT_INPUT) === CHAT_INPUT).length > 100) {
      errors.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    }
    errors.throwIfAny();
    const previous = this.scopes.get(guildId ?? '') ?? [];
    const next = body.filter(isRecord).map((command) => this.store(command, previous, guildId));
    this.scopes.set(guildId ?? '', next);
    return next.map((command) => structuredClone(command));
  }

  /** POST: creates, or updates the command with the same name and type. */
  upsert(body: unknown, guildId?: string): { command: RegisteredCommand; created: boolean } {
    const errors = new FormErrors();
    validateCommand(body, [], errors);
    errors.throwIfAny();
    const record = body as Record<string, unknown>;
    const scope = this.scopes.get(guildId ?? '') ?? [];
    const stored = this.store(record, scope, guildId);
    const index = scope.findIndex((c) => c.id === stored.id);
    if (index >= 0) scope[index] = stored;
    else scope.push(stored);
    this.scopes.set(guildId ?? '', scope);
    return { command: structuredClone(stored), created: index < 0 };
  }

  /** PATCH: merges the given fields into the stored command. */
  edit(commandId: string, body: unknown, guildId?: string): RegisteredCommand {
    const scope = this.scopes.get(guildId ?? '') ?? [];
    const index = scope.findIndex((c) => c.id === commandId);
    const existing = scope[index];
    if (!existing) throw unknownCommand();
    const merged = { ...existing, ...(isRecord(body) ? body : {}) };
    const errors = new FormErrors();
    validateCommand(merged, [], errors);
    errors.throwIfAny();
    const stored = this.store(merged, scope, guildId);
    scope[index] = stored;
    return structuredClone(stored);
  }

  delete(commandId: string, guildId?: string): void {
    const scope = this.scopes.get(guildId ?? '') ?? [];
    const index = scope.findIndex((c) => c.id === commandId);
    if (index < 0) throw unknownCommand();
    scope.splice(index, 1);
  }

  private store(body: Record<string, unknown>, scope: readonly RegisteredCommand[], guildId: string | undefined): RegisteredCommand {
    const content = storedContent(body, this.applicationId, guildId);
    const match = scope.find((c) => c.name === content['name'] && c.type === content['type']);
    const unchanged = match !== undefined && JSON.stringify(contentOf(match)) === JSON.stringify(content);
    return {
      id: match?.id ?? this.ids.next(),
      ...content,
      version: unchanged ? match.version : this.ids.next(),
    } as RegisteredCommand;
  }
}

function contentOf(command: RegisteredCommand): Record<string, unknown> {
  const { id: _id, version: _version, ...content } = command;
  return content;
}
