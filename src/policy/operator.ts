import type { OperatorLimits } from '../config.js';
import type { Logger } from '../log.js';

/**
 * The operator's rules over every server (from the environment): which servers the bot serves, and which
 * are the operator's own. The daily budget and the per-member ceiling are the quota's (QuotaService).
 */
export class OperatorPolicy {
  readonly #limits: Pick<OperatorLimits, 'allowedGuilds' | 'operatorGuilds'>;
  readonly #logger: Logger;
  /** Unlisted servers already logged: each is named once, however often its members try. */
  readonly #reported = new Set<string>();

  constructor(limits: Pick<OperatorLimits, 'allowedGuilds' | 'operatorGuilds'>, logger: Logger) {
    this.#limits = limits;
    this.#logger = logger;
  }

  /** Whether the bot serves this server (ALLOWED_GUILDS, or every server without it); an unlisted one is logged once. */
  servesGuild(guildId: string): boolean {
    const allowed = this.#limits.allowedGuilds;
    if (allowed === undefined || allowed.has(guildId)) return true;
    if (!this.#reported.has(guildId)) {
      this.#reported.add(guildId);
      this.#logger.warn({ guildId }, 'an interaction from a server ALLOWED_GUILDS does not list: refused (logged once per server)');
    }
    return false;
  }

  /** Of these servers, the ones whose admins are warned when KIE's credit runs low. */
  lowCreditServers(guildIds: Iterable<string>): string[] {
    return [...guildIds].filter((guildId) => this.isOperatorGuild(guildId));
  }

  /** Whether the server's admins see KIE's credits and low-credit warnings (OPERATOR_GUILDS; every server without it). */
  isOperatorGuild(guildId: string): boolean {
    const operatorGuilds = this.#limits.operatorGuilds;
    return operatorGuilds === undefined || operatorGuilds.has(guildId);
  }
}

/**
 * The start-up warning for a public application that nothing limits: anyone can add it to their own server,
 * give themselves any limit as its admin, and spend the operator's KIE credit. Undefined when there is none.
 */
export function publicBotWarning(application: { bot_public?: unknown }, limits: Pick<OperatorLimits, 'allowedGuilds' | 'dailyBudget'>): string | undefined {
  if (application.bot_public !== true || limits.allowedGuilds !== undefined || limits.dailyBudget !== undefined) return undefined;
  return (
    'the application is public and neither ALLOWED_GUILDS nor DAILY_IMAGE_BUDGET is set: anyone can add the bot to a server ' +
    "and spend the KIE key's credit. Switch Public Bot off in the Developer Portal (Bot tab), or set ALLOWED_GUILDS and DAILY_IMAGE_BUDGET"
  );
}
