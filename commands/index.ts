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

/** Everything published to Discord: slash commands and message commands, with their names and descriptions in every language. */
export function commandData(): Array<Command['data'] | MessageCommand['data']> {
  return [...commands, ...messageCommands].map((command) => localizeCommand(command.data));
}
