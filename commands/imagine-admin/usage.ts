import { Refusal } from '../../src/errors.js';
import { imagesFor } from '../../src/kie/credit-monitor.js';
import { admin, type AdminSubcommand } from './subcommand.js';

/** What was used: the server's or a member's images (`usage`), and KIE's credits in the operator's servers (`credits`). */
export const usageSubcommands: readonly AdminSubcommand[] = [
  admin('usage', async (interaction, { quota, spend }, guildId) => {
    const user = interaction.options.getUser('user');
    if (user) {
      const [days, status] = await Promise.all([quota.usage(guildId, user.id), quota.status(guildId, user.id)]);
      return (m) => m.memberUsage(user.id, days, status);
    }
    const usage = await quota.guildUsage(guildId);
    const spent = await spend.days(guildId, usage.days.map((day) => day.day));
    return (m) => m.guildUsage(usage, spent);
  }),
  admin('credits', async (_interaction, { credits, logger, operator }, guildId) => {
    if (!operator.isOperatorGuild(guildId)) throw new Refusal({ code: 'operator_only' });
    try {
      const balance = await credits();
      return (m) => m.creditsBalance(balance, imagesFor(balance));
    } catch (error) {
      logger.warn({ err: error }, 'could not read the KIE credit balance');
      return (m) => m.creditsUnavailable;
    }
  }),
];
