import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Clock } from './clock.js';
import type { CustomId } from './discord/custom-ids.js';
import type { HistoryStore } from './history/history.js';
import type { EditSourceStore } from './interactions/edit-sources.js';
import type { JobIntake } from './interactions/intake.js';
import type { JobCancellations } from './jobs/cancellation.js';
import type { JobService } from './jobs/service.js';
import type { Logger } from './log.js';
import type { ModerationLog } from './moderation/mod-log.js';
import type { SpendCounter } from './spend/spend.js';
import type { GuildSettingsStore } from './policy/settings-store.js';
import type { QuotaService } from './quota/quota-service.js';
import type { MembershipCheck } from './discord/membership.js';
import type { OperatorPolicy } from './policy/operator.js';
import type { PriorityRoles } from './queue/priority-roles.js';
import type { MemberDefaultsStore } from './policy/member-defaults.js';

/** What interaction handlers may use; built once in app.ts and injected. No secrets: handlers never need them. */
export interface Services {
  logger: Logger;
  clock: Clock;
  settings: GuildSettingsStore;
  quota: QuotaService;
  jobs: Pick<JobService, 'inFlightFor' | 'inProgressFor'>;
  /** The roles whose members come first in the waiting line (/imagine-admin priority). */
  priorityRoles: Pick<PriorityRoles, 'add' | 'remove' | 'list'>;
  /** Cancel presses against the jobs this process runs. */
  cancels: Pick<JobCancellations, 'cancel'>;
  /** The one way an interaction starts a job. */
  startJob: JobIntake;
  /** Delivered images, read by their buttons and /history. */
  history: Pick<HistoryStore, 'get' | 'listForMember' | 'remove'>;
  editSources: Pick<EditSourceStore, 'put' | 'get'>;
  /** Each member's /settings defaults, per server. */
  memberDefaults: Pick<MemberDefaultsStore, 'get' | 'update' | 'reset'>;
  /** Each server's moderation log channel. */
  modLog: ModerationLog;
  /** KIE's remaining credits (`/imagine-admin credits`). */
  credits: () => Promise<number>;
  spend: Pick<SpendCounter, 'days'>;
  /** The operator's servers: which the bot serves (ALLOWED_GUILDS), which see KIE's credits (OPERATOR_GUILDS). */
  operator: Pick<OperatorPolicy, 'servesGuild' | 'isOperatorGuild'>;
  /** Whether the presser of a button in a DM is still a member of the image's server, and their roles. */
  membership: Pick<MembershipCheck, 'check'>;
}

/** A slash command used in a server: the router has already refused it anywhere else. */
export type GuildCommandInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;
/** A message command (right-click → Apps) used in a server. */
export type GuildMessageCommandInteraction = MessageContextMenuCommandInteraction<'cached' | 'raw'>;

/** A permission a command or subcommand may require of the member; the router checks it (see permissions.ts). */
export type RequiredPermission = 'ManageGuild';

/**
 * Who may use a command, as data: the permission the whole command needs, and any subcommand (named
 * "group sub" or "sub") that needs its own. The router checks it once, before the handler runs.
 */
export interface CommandPermissions {
  command?: RequiredPermission;
  subcommands?: Readonly<Record<string, RequiredPermission>>;
}

/** An autocomplete interaction of a slash command used in a server. */
export type GuildAutocompleteInteraction = AutocompleteInteraction<'cached' | 'raw'>;

export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  permissions?: CommandPermissions;
  /** Answers the interaction, or throws a Refusal (or any error) for the interaction error policy to answer. */
  execute(interaction: GuildCommandInteraction, services: Services): Promise<void>;
  /** Suggests values for an option with `autocomplete: true` (answered within Discord's 3 s, never refused). */
  autocomplete?(interaction: GuildAutocompleteInteraction, services: Services): Promise<void>;
  /**
   * Answers a use through the member's own install (a DM, a server without the bot) when PERSONAL_DAILY is
   * above 0; a command without it stays guild-install only.
   */
  personal?(interaction: ChatInputCommandInteraction, services: Services): Promise<void>;
}

export interface MessageCommand {
  data: RESTPostAPIContextMenuApplicationCommandsJSONBody;
  execute(interaction: GuildMessageCommandInteraction, services: Services): Promise<void>;
}

/**
 * Answers the bot's own buttons and modals by what their custom_id means. These may come from a DM (an image
 * delivered there): the history record says which server the image belongs to.
 */
export interface ComponentHandlers {
  button(interaction: ButtonInteraction, id: CustomId, services: Services): Promise<void>;
  modal(interaction: ModalSubmitInteraction, id: CustomId, services: Services): Promise<void>;
}
