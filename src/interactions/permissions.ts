import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { RefusalReason } from '../errors.js';
import type { Command, RequiredPermission } from '../services.js';

/** Each permission a command may declare: Discord's bit, and how a member without it is refused. */
const PERMISSIONS: Readonly<Record<RequiredPermission, { bit: bigint; refusal: RefusalReason }>> = {
  ManageGuild: { bit: PermissionFlagsBits.ManageGuild, refusal: { code: 'admin_only' } },
};

/** The name of the subcommand used ("group sub", "sub"), or undefined for a command without subcommands. */
export function subcommandName(interaction: Pick<ChatInputCommandInteraction, 'options'>): string | undefined {
  const sub = interaction.options.getSubcommand(false);
  if (sub === null) return undefined;
  const group = interaction.options.getSubcommandGroup(false);
  return group === null ? sub : `${group} ${sub}`;
}

export type PermissionVerdict = { allowed: true } | { allowed: false; permission: RequiredPermission; refusal: RefusalReason };

/**
 * Whether the member holds what the command (or the subcommand used) declares. A server can override who
 * sees a command; the permission itself is what grants the action, so it is checked on every use.
 */
export function checkPermission(command: Pick<Command, 'permissions'>, subcommand: string | undefined, memberPermissions: { has(bit: bigint): boolean } | null): PermissionVerdict {
  const declared = command.permissions;
  const permission = (subcommand === undefined ? undefined : declared?.subcommands?.[subcommand]) ?? declared?.command;
  if (permission === undefined) return { allowed: true };
  const { bit, refusal } = PERMISSIONS[permission];
  return memberPermissions?.has(bit) ? { allowed: true } : { allowed: false, permission, refusal };
}
