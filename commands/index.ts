import type { Command } from '../src/services.js';
import { imagine } from './imagine.js';
import { imagineAdmin } from './imagine-admin.js';
import { quota } from './quota.js';

export const commands: readonly Command[] = [imagine, quota, imagineAdmin];

/** Looks commands up by name; refuses duplicates at load time rather than routing to the wrong one. */
export function commandMap(list: readonly Command[] = commands): ReadonlyMap<string, Command> {
  const map = new Map<string, Command>();
  for (const command of list) {
    if (map.has(command.data.name)) throw new Error(`two commands are named ${command.data.name}`);
    map.set(command.data.name, command);
  }
  return map;
}
