import { admin, type AdminSubcommand } from './subcommand.js';

/** Who may make images: blocked members, and the whole server paused. */
export const accessSubcommands: readonly AdminSubcommand[] = [
  admin('block', async (interaction, { settings }, guildId) => {
    const user = interaction.options.getUser('user', true);
    if (await settings.isBlocked(guildId, user.id)) return (m) => m.alreadyBlocked(user.id);
    await settings.setBlocked(guildId, user.id, true);
    return (m) => m.userBlocked(user.id);
  }),
  admin('unblock', async (interaction, { settings }, guildId) => {
    const user = interaction.options.getUser('user', true);
    if (!(await settings.isBlocked(guildId, user.id))) return (m) => m.notBlocked(user.id);
    await settings.setBlocked(guildId, user.id, false);
    return (m) => m.userUnblocked(user.id);
  }),
  admin('pause', async (_interaction, { settings }, guildId) => {
    if ((await settings.get(guildId)).paused) return (m) => m.alreadyPaused;
    await settings.setPaused(guildId, true);
    return (m) => m.pausedNow;
  }),
  admin('resume', async (_interaction, { settings }, guildId) => {
    if (!(await settings.get(guildId)).paused) return (m) => m.notPaused;
    await settings.setPaused(guildId, false);
    return (m) => m.resumed;
  }),
];
