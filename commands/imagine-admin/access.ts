import { messages } from '../../src/messages.js';
import { admin, type AdminSubcommand } from './subcommand.js';

/** Who may make images: blocked members, and the whole server paused. */
export const accessSubcommands: readonly AdminSubcommand[] = [
  admin('block', async (interaction, { settings }, guildId) => {
    const user = interaction.options.getUser('user', true);
    if (await settings.isBlocked(guildId, user.id)) return messages.alreadyBlocked(user.id);
    await settings.setBlocked(guildId, user.id, true);
    return messages.userBlocked(user.id);
  }),
  admin('unblock', async (interaction, { settings }, guildId) => {
    const user = interaction.options.getUser('user', true);
    if (!(await settings.isBlocked(guildId, user.id))) return messages.notBlocked(user.id);
    await settings.setBlocked(guildId, user.id, false);
    return messages.userUnblocked(user.id);
  }),
  admin('pause', async (_interaction, { settings }, guildId) => {
    if ((await settings.get(guildId)).paused) return messages.alreadyPaused;
    await settings.setPaused(guildId, true);
    return messages.pausedNow;
  }),
  admin('resume', async (_interaction, { settings }, guildId) => {
    if (!(await settings.get(guildId)).paused) return messages.notPaused;
    await settings.setPaused(guildId, false);
    return messages.resumed;
  }),
];
