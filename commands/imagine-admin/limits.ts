import { Refusal } from '../../src/errors.js';
import { messages } from '../../src/messages.js';
import { MAX_PRIORITY_ROLES } from '../../src/queue/priority-roles.js';
import { admin, type AdminSubcommand } from './subcommand.js';

/** Who gets how much, and who goes first: daily limits per member, role or server, the server's cap, a member's day undone, and the priority roles. */
export const limitSubcommands: readonly AdminSubcommand[] = [
  admin('limit', async (interaction, { settings }, guildId) => {
    const limit = interaction.options.getInteger('limit', true);
    const user = interaction.options.getUser('user');
    const role = interaction.options.getRole('role');
    if (user && role) throw new Refusal({ code: 'invalid_setting', problem: { code: 'user-and-role' } });
    if (role) {
      await settings.setRoleLimit(guildId, role.id, limit);
      return messages.roleLimitSet(role.id, limit);
    }
    if (user) {
      await settings.setUserLimit(guildId, user.id, limit);
      return messages.userLimitSet(user.id, limit);
    }
    await settings.setDefaultLimit(guildId, limit);
    return messages.limitSet(limit);
  }),
  admin('cap', async (interaction, { settings }, guildId) => {
    const images = interaction.options.getInteger('images', true);
    await settings.setDailyCap(guildId, images);
    return images === 0 ? messages.capRemoved : messages.capSet(images);
  }),
  admin('reset', async (interaction, { quota }, guildId) => {
    const user = interaction.options.getUser('user', true);
    await quota.reset(guildId, user.id);
    return messages.usageReset(user.id);
  }),
  admin('priority add', async (interaction, { priorityRoles }, guildId) => {
    const role = interaction.options.getRole('role', true);
    const result = await priorityRoles.add(guildId, role.id);
    if (result === 'full') return messages.priorityRolesFull(MAX_PRIORITY_ROLES);
    return result === 'added' ? messages.priorityRoleAdded(role.id, await priorityRoles.list(guildId)) : messages.priorityRoleAlready(role.id);
  }),
  admin('priority remove', async (interaction, { priorityRoles }, guildId) => {
    const role = interaction.options.getRole('role', true);
    const removed = (await priorityRoles.remove(guildId, role.id)) === 'removed';
    return removed ? messages.priorityRoleRemoved(role.id, await priorityRoles.list(guildId)) : messages.priorityRoleNotListed(role.id);
  }),
  admin('priority list', async (_interaction, { priorityRoles }, guildId) => messages.priorityRolesList(await priorityRoles.list(guildId))),
];
