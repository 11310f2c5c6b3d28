import { admin, type AdminSubcommand } from './subcommand.js';

/** What prompts may say and add: the banned words, and the server's named styles offered to /imagine and /blend. */
export const promptSubcommands: readonly AdminSubcommand[] = [
  admin('words add', async (interaction, { settings }, guildId) => {
    const { added, words, word } = await settings.addBannedWord(guildId, interaction.options.getString('word', true));
    return (m) => (added ? m.wordAdded(word, words.length) : m.wordAlreadyBanned(word));
  }),
  admin('words remove', async (interaction, { settings }, guildId) => {
    const { removed, words, word } = await settings.removeBannedWord(guildId, interaction.options.getString('word', true));
    return (m) => (removed ? m.wordRemoved(word, words.length) : m.wordNotBanned(word));
  }),
  admin('words list', async (_interaction, { settings }, guildId) => {
    const { bannedWords } = await settings.get(guildId);
    return (m) => m.wordsList(bannedWords);
  }),
  admin('styles add', async (interaction, { settings }, guildId) => {
    const { added, style, styles } = await settings.addStyle(guildId, interaction.options.getString('name', true), interaction.options.getString('text', true));
    return (m) => (added ? m.styleAdded(style.name, styles.length) : m.styleReplaced(style.name));
  }),
  admin('styles remove', async (interaction, { settings }, guildId) => {
    const { removed, name } = await settings.removeStyle(guildId, interaction.options.getString('name', true));
    return (m) => (removed ? m.styleRemoved(name) : m.styleUnknown(name));
  }),
  admin('styles list', async (_interaction, { settings }, guildId) => {
    const { styles } = await settings.policy(guildId);
    return (m) => m.stylesList(styles);
  }),
];
