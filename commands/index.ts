import { ApplicationIntegrationType, InteractionContextType } from 'discord.js';
import type { Command, MessageCommand } from '../src/services.js';
import { editImage } from './edit-image.js';
import { history } from './history.js';
import { imagine } from './imagine.js';
import { imagineAdmin } from './imagine-admin/index.js';
import { localizeCommand } from './localize.js';
import { quota } from './quota.js';
import { blend } from './blend.js';
import { settings } from './settings.js';

export const commands: readonly Command[] = [imagine, blend, settings, quota, history, imagineAdmin];
export const messageCommands: readonly MessageCommand[] = [editImage];

/** Looks commands up by name; refuses duplicates at load time rather than routing to the wrong one. */
export function commandMap<C extends Command | MessageCommand>(list: readonly C[]): ReadonlyMap<string, C> {
  const map = new Map<string, C>();
  for (const command of list) {
    if (map.has(command.data.name)) throw new Error(`two commands are named ${command.data.name}`);
    map.set(command.data.name, command);
  }
  return map;
}

/**
 * Everything published to Discord: slash commands and message commands, with their names and descriptions
 * in every language. With `personal` (PERSONAL_DAILY above 0), the commands that have a personal use may also
 * be installed to a member's account and used in DMs and any server; admin commands stay guild-install only.
 */
export function commandData({ personal = false }: { personal?: boolean } = {}): Array<Command['data'] | MessageCommand['data']> {
  const withInstalls = (command: Command): Command['data'] =>
    personal && command.personal !== undefined
      ? {
          ...command.data,
          integration_types: [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall],
          contexts: [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel],
        }
      : command.data;
  return [...commands.map(withInstalls), ...messageCommands.map((command) => command.data)].map((data) => localizeCommand(data));
}
