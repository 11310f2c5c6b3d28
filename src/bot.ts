import { Client, Events, GatewayIntentBits, MessageFlags, Options, type AutocompleteInteraction, type Interaction, type RepliableInteraction } from 'discord.js';
import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { Refusal } from './errors.js';
import type { PendingAcknowledgements } from './discord/acknowledgements.js';
import type { Logger } from './log.js';
import { messagesFor } from './messages.js';
import { parseCustomId } from './discord/custom-ids.js';
import { checkPermission, subcommandName } from './interactions/permissions.js';
import { isPersonalUse } from './interactions/personal-use.js';
import type { Command, ComponentHandlers, GuildAutocompleteInteraction, GuildCommandInteraction, GuildMessageCommandInteraction, MessageCommand, Services } from './services.js';
import { isStoreError } from './storage/index.js';

/** A repliable interaction that came from a server (the router refuses the others). */
type GuildInteraction = RepliableInteraction<'cached' | 'raw'>;
type Handler = (interaction: RepliableInteraction) => Promise<void>;

/**
 * A discord.js client that needs nothing but guild events, caches little, and talks to DISCORD_API_URL
 * through `http` (see createDiscordHttpAgent).
 */
export function createClient(config: Pick<Config, 'discordApiUrl'>, options: { sharded: boolean; http: Dispatcher }): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    // discord.js reads SHARDS from the environment; outside a ShardingManager that is our own setting.
    ...(options.sharded ? {} : { shards: [0], shardCount: 1 }),
    rest: { api: config.discordApiUrl, agent: options.http },
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ThreadManager: 0,
      GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
      PresenceManager: 0,
      ReactionManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      VoiceStateManager: 0,
    }),
  });
}

export interface InteractionRouter {
  /** From now on every interaction is answered "restarting" (the process is shutting down). */
  stopAccepting(): void;
}

export interface RouterDeps {
  commands: ReadonlyMap<string, Command>;
  messageCommands: ReadonlyMap<string, MessageCommand>;
  /** The bot's own buttons and modals (custom_ids starting `img:`). */
  components: ComponentHandlers;
  services: Services;
  /** Marks each interaction as waiting for its first answer while its handler runs. */
  acknowledgements: Pick<PendingAcknowledgements, 'begin'>;
  /** PERSONAL_DAILY is above 0: commands with a personal use answer members through their own install. */
  personalUse?: boolean;
  /** Told how each interaction ended (metrics). */
  onHandled?: (kind: string, outcome: InteractionOutcome) => void;
  /**
   * The naive benchmark baseline only: slash commands with these names are deferred the moment they arrive,
   * before any check, as a bot that checks nothing first would; their handlers then run on the deferred reply.
   */
  deferFirst?: ReadonlySet<string>;
}

/** How the router ended an interaction: its handler finished, or the error policy answered it (or no handler took it). */
export type InteractionOutcome = 'ok' | 'refused' | 'store_error' | 'error' | 'unhandled';

/**
 * Routes interactions to their handlers. Checks made for every interaction live here (a server the operator
 * serves, server only, not while shutting down), and one policy decides what a failure looks like to the member.
 */
export function routeInteractions(
  client: Client,
  { commands, messageCommands, components, services, acknowledgements, personalUse = false, onHandled, deferFirst }: RouterDeps,
): InteractionRouter {
  let accepting = true;
  const inGuildOnly = (run: (inGuild: GuildInteraction) => Promise<void>): Handler => async (interaction) => {
    if (!interaction.inGuild()) throw new Refusal({ code: 'guild_only' });
    await run(interaction);
  };
  /** The handler of an interaction, or undefined for a command the bot has none for (logged, left unanswered). */
  const handlerFor = (interaction: RepliableInteraction): Handler | undefined => {
    if (interaction.isChatInputCommand()) {
      const command = commands.get(interaction.commandName);
      const personal = command?.personal?.bind(command);
      if (personal && personalUse && isPersonalUse(interaction)) return () => personal(interaction, services);
      return command && inGuildOnly((inGuild) => {
        permitted(command, inGuild as GuildCommandInteraction);
        return command.execute(inGuild as GuildCommandInteraction, services);
      });
    }
    if (interaction.isMessageContextMenuCommand()) {
      const command = messageCommands.get(interaction.commandName);
      return command && inGuildOnly((inGuild) => command.execute(inGuild as GuildMessageCommandInteraction, services));
    }
    if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
      const id = parseCustomId(interaction.customId);
      // An older version's button or form, or one that is not ours: say so at once rather than leave it unanswered.
      const unknown = new Refusal({ code: 'component_unknown', component: interaction.isModalSubmit() ? 'form' : 'button' });
      if (id === undefined || id === 'outdated') return () => Promise.reject(unknown);
      if (interaction.isButton()) return () => components.button(interaction, id, services);
      if (interaction.isModalSubmit()) return () => components.modal(interaction, id, services);
      return () => Promise.reject(unknown);
    }
    return undefined;
  };
  /** The one check of what a command and its subcommands declare they need (see Command.permissions). */
  const permitted = (command: Command, interaction: GuildCommandInteraction): void => {
    const action = subcommandName(interaction);
    const verdict = checkPermission(command, action, interaction.memberPermissions);
    if (verdict.allowed) return;
    services.logger.warn(
      { audit: true, guildId: interaction.guildId, userId: interaction.user.id, command: command.data.name, action, permission: verdict.permission, at: new Date(services.clock.now()).toISOString() },
      'command refused: missing permission',
    );
    throw new Refusal(verdict.refusal);
  };
  const handle = async (interaction: RepliableInteraction): Promise<InteractionOutcome> => {
    // A server the operator does not serve gets nothing but this answer: no task, no store read or write.
    // A member's own install answers them anywhere: no server asked, so no server's rule applies.
    const personal = personalUse && interaction.isChatInputCommand() && isPersonalUse(interaction);
    if (!personal && interaction.guildId !== null && !services.operator.servesGuild(interaction.guildId)) throw new Refusal({ code: 'guild_not_enabled' });
    const handler = handlerFor(interaction);
    if (!handler) {
      services.logger.warn({ interactionType: interaction.type, ...describe(interaction) }, 'no handler for the interaction');
      return 'unhandled';
    }
    if (!accepting) throw new Refusal({ code: 'restarting' });
    await handler(interaction);
    return 'ok';
  };
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    // Autocomplete cannot be answered with a message; every other interaction goes through one policy.
    if (interaction.isAutocomplete()) {
      void suggest(interaction, commands, services, accepting);
      return;
    }
    if (!interaction.isRepliable()) return;
    const answered = acknowledgements.begin();
    const deferredFirst = deferFirst && interaction.isChatInputCommand() && deferFirst.has(interaction.commandName) ? interaction.deferReply() : undefined;
    (deferredFirst ? deferredFirst.then(() => handle(interaction)) : handle(interaction))
      .catch((error: unknown) => answerFailure(interaction, error, services.logger))
      .then((outcome) => onHandled?.(kindOf(interaction), outcome))
      .finally(answered);
  });
  return {
    stopAccepting() {
      accepting = false;
    },
  };
}

/**
 * Answers an autocomplete with the command's suggestions; where there are none to give (not in a served server,
 * shutting down, a failure), with an empty list, so the member's client stops waiting.
 */
async function suggest(interaction: AutocompleteInteraction, commands: ReadonlyMap<string, Command>, services: Services, accepting: boolean): Promise<void> {
  const command = commands.get(interaction.commandName);
  const context = { interactionId: interaction.id, guildId: interaction.guildId, command: interaction.commandName };
  try {
    const served = interaction.inGuild() && services.operator.servesGuild(interaction.guildId);
    if (served && accepting && command?.autocomplete) return await command.autocomplete(interaction as GuildAutocompleteInteraction, services);
    if (!interaction.responded) await interaction.respond([]);
  } catch (error) {
    services.logger.warn({ ...context, err: error }, 'could not answer an autocomplete');
    if (!interaction.responded) await interaction.respond([]).catch(() => undefined);
  }
}

/**
 * The interaction error policy. A Refusal is answered with its sentence; a store outage says the database
 * is unreachable; anything else is a bug, logged as one and answered with a generic apology. The answer is
 * always private: if a public "thinking…" reply was already deferred, it is deleted and the answer follows.
 */
export async function answerFailure(interaction: RepliableInteraction, error: unknown, logger: Logger): Promise<Exclude<InteractionOutcome, 'ok' | 'unhandled'>> {
  const context = { interactionId: interaction.id, guildId: interaction.guildId, userId: interaction.user.id, ...describe(interaction) };
  // Every answer is in the member's language (admins too), as Discord tells it with the interaction.
  const m = messagesFor(interaction.locale);
  let content: string;
  let outcome: Exclude<InteractionOutcome, 'ok' | 'unhandled'>;
  if (error instanceof Refusal) {
    logger.info({ ...context, refusal: error.reason.code }, 'interaction refused');
    content = m.refusal(error.reason);
    outcome = 'refused';
  } else if (isStoreError(error)) {
    logger.error({ ...context, err: error }, 'store unavailable during an interaction');
    content = m.storeUnavailable;
    outcome = 'store_error';
  } else {
    logger.error({ ...context, err: error }, 'interaction failed: bug');
    content = m.commandFailed;
    outcome = 'error';
  }
  const answer = { content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
  try {
    if (interaction.replied) {
      await interaction.followUp(answer);
    } else if (interaction.deferred) {
      await interaction.deleteReply().catch((deleteError: unknown) => logger.warn({ err: deleteError, ...context }, 'could not delete the deferred reply'));
      await interaction.followUp(answer);
    } else {
      await interaction.reply(answer);
    }
  } catch (replyError) {
    logger.warn({ err: replyError, ...context }, 'could not tell the member about the failure');
  }
  return outcome;
}

/** A short, bounded label for metrics: the command's name, `button:<action>` or `modal:<kind>`. */
export function kindOf(interaction: RepliableInteraction): string {
  if (interaction.isCommand()) return interaction.commandName;
  if (interaction.isButton() || interaction.isModalSubmit()) {
    const prefix = interaction.isButton() ? 'button' : 'modal';
    const id = parseCustomId(interaction.customId);
    if (id === undefined) return `${prefix}:foreign`;
    if (id === 'outdated') return `${prefix}:outdated`;
    return `${prefix}:${id.kind}`;
  }
  return 'other';
}

function describe(interaction: RepliableInteraction): { command?: string; customId?: string } {
  if (interaction.isCommand()) return { command: interaction.commandName };
  if (interaction.isMessageComponent() || interaction.isModalSubmit()) return { customId: interaction.customId };
  return {};
}
