import { messages } from '../../src/messages.js';
import { admin, type AdminSubcommand } from './subcommand.js';

/** What prompts may say and add: the banned words, and the server's named styles offered to /imagine and /blend. */
export const promptSubcommands: readonly AdminSubcommand[] = [
  admin('words add', async (interaction, { settings }, guildId) => {
    const { added, words, word } = await settings.addBannedWord(guildId, interaction.options.getString('word', true));
    return added ? messages.wordAdded(word, words.length) : messages.wordAlreadyBanned(word);
  }),
  admin('words remove', async (interaction, { settings }, guildId) => {
    const { removed, words, word } = await settings.removeBannedWord(guildId, interaction.options.getString('word', true));
    return removed ? messages.wordRemoved(word, words.length) : messages.wordNotBanned(word);
  }),
  admin('words list', async (_interaction, { settings }, guildId) => messages.wordsList((await settings.get(guildId)).bannedWords)),
  admin('styles add', async (interaction, { settings }, guildId) => {
    const { added, style, styles } = await settings.addStyle(guildId, interaction.options.getString('name', true), interaction.options.getString('text', true));
    return added ? messages.styleAdded(style.name, styles.length) : messages.styleReplaced(style.name);
  }),
  admin('styles remove', async (interaction, { settings }, guildId) => {
    const { removed, name } = await settings.removeStyle(guildId, interaction.options.getString('name', true));
    return removed ? messages.styleRemoved(name) : messages.styleUnknown(name);
  }),
  admin('styles list', async (_interaction, { settings }, guildId) => messages.stylesList((await settings.policy(guildId)).styles)),
];
