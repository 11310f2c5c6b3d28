import { Refusal } from '../../src/errors.js';
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
      return (m) => m.roleLimitSet(role.id, limit);
    }
    if (user) {
      await settings.setUserLimit(guildId, user.id, limit);
      return (m) => m.userLimitSet(user.id, limit);
    }
    await settings.setDefaultLimit(guildId, limit);
    return (m) => m.limitSet(limit);
  }),
  admin('cap', async (interaction, { settings }, guildId) => {
    const images = interaction.options.getInteger('images', true);
    await settings.setDailyCap(guildId, images);
    return (m) => (images === 0 ? m.capRemoved : m.capSet(images));
  }),
  admin('reset', async (interaction, { quota }, guildId) => {
    const user = interaction.options.getUser('user', true);
    await quota.reset(guildId, user.id);
    return (m) => m.usageReset(user.id);
  }),
  admin('priority add', async (interaction, { priorityRoles }, guildId) => {
    const role = interaction.options.getRole('role', true);
    const result = await priorityRoles.add(guildId, role.id);
    if (result === 'full') return (m) => m.priorityRolesFull(MAX_PRIORITY_ROLES);
    const all = await priorityRoles.list(guildId);
    return (m) => (result === 'added' ? m.priorityRoleAdded(role.id, all) : m.priorityRoleAlready(role.id));
  }),
  admin('priority remove', async (interaction, { priorityRoles }, guildId) => {
    const role = interaction.options.getRole('role', true);
    const removed = (await priorityRoles.remove(guildId, role.id)) === 'removed';
    const all = await priorityRoles.list(guildId);
    return (m) => (removed ? m.priorityRoleRemoved(role.id, all) : m.priorityRoleNotListed(role.id));
  }),
  admin('priority list', async (_interaction, { priorityRoles }, guildId) => {
    const all = await priorityRoles.list(guildId);
    return (m) => m.priorityRolesList(all);
  }),
];
