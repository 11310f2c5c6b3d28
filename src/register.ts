import { DiscordAPIError, Routes, type REST, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from './log.js';

export type RegistrationResult = 'unchanged' | 'updated';

/**
 * Publishes the command list with one bulk PUT, only when Discord's copy differs: every PUT counts against
 * a daily creation limit and briefly disturbs the client's command list.
 */
export async function registerCommands(
  rest: REST,
  target: { applicationId: string; guildId: string | undefined },
  commands: readonly RESTPostAPIApplicationCommandsJSONBody[],
  logger: Logger,
): Promise<RegistrationResult> {
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  const scope = target.guildId ? `guild ${target.guildId}` : 'global';
  let existing: unknown[] | undefined;
  try {
    // With the localization dictionaries: without them every localized command would look changed.
    existing = (await rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) })) as unknown[];
  } catch (error) {
    // A refused token would be refused the PUT as well: say so now, not after a second refusal.
    if (error instanceof DiscordAPIError && error.status === 401) throw error;
    // Without Discord's copy we cannot tell whether an update is needed: publishing is the safe side.
    logger.warn({ err: error, scope }, 'could not read the registered commands; publishing them');
  }
  if (existing && sameCommands(commands, existing)) {
    logger.info({ scope, count: commands.length }, 'commands already registered');
    return 'unchanged';
  }
  await rest.put(route, { body: commands });
  logger.info({ scope, count: commands.length }, 'commands registered');
  return 'updated';
}

/** Compares what we define with what Discord holds, ignoring the fields and defaults Discord adds. */
export function sameCommands(local: readonly object[], remote: readonly unknown[]): boolean {
  if (local.length !== remote.length) return false;
  const byName = new Map(remote.map((command) => [(command as { name?: string }).name, command]));
  return local.every((command) => {
    const other = byName.get((command as { name: string }).name);
    return other !== undefined && JSON.stringify(canonical(command, 'command')) === JSON.stringify(canonical(other, 'command'));
  });
}

// Discord gives message commands an empty description.
const COMMAND_DEFAULTS: Record<string, unknown> = { type: 1, description: '', nsfw: false, default_member_permissions: null, options: [] };
const OPTION_DEFAULTS: Record<string, unknown> = { required: false, autocomplete: false, choices: [], options: [] };
const IGNORED = new Set(['id', 'application_id', 'guild_id', 'version', 'dm_permission', 'name_localized', 'description_localized']);

function canonical(value: unknown, level: 'command' | 'option'): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, 'option'));
  if (value === null || typeof value !== 'object') return value;
  const defaults = level === 'command' ? COMMAND_DEFAULTS : OPTION_DEFAULTS;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key, inner]) => !IGNORED.has(key) && inner !== undefined && !isNullLocalization(key, inner))
    .filter(([key, inner]) => JSON.stringify(defaults[key]) !== JSON.stringify(inner))
    .map(([key, inner]) => [key, canonical(inner, 'option')] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries);
}

function isNullLocalization(key: string, value: unknown): boolean {
  return key.endsWith('_localizations') && (value === null || (typeof value === 'object' && Object.keys(value as object).length === 0));
}
