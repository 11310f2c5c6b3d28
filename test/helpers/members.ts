import { ApplicationCommandOptionType as OptionType } from 'discord.js';
import { expect } from 'vitest';
import { editImageCommand } from '../../commands/edit-image-data.js';
import { historyCommand } from '../../commands/history-data.js';
import { imagineAdminCommand } from '../../commands/imagine-admin-data.js';
import { imagineCommand } from '../../commands/imagine-data.js';
import { quotaCommand } from '../../commands/quota-data.js';
import { EDIT_TEXT_INPUT } from '../../src/interactions/edit-modal.js';
import type { CommandOptionSpec, FakeDiscord, FakeInteraction, FakeMessage, FakeUpload, FakeUserSpec, InteractionSpec } from '../fakes/discord/index.js';
import { person } from './ids.js';
import { customIdOf, type ImageButton } from './image-loop.js';

/** An option as the command data declares it (commands/*-data.ts). */
interface OptionData {
  readonly type: number;
  readonly name: string;
  readonly required?: boolean;
  readonly choices?: readonly { readonly value: unknown }[];
  readonly options?: readonly OptionData[];
}

/** What a member gives for one option: a choice's value, a number, a person, an upload, or an id. */
type ValueOf<O> = O extends { readonly choices: readonly { readonly value: infer V }[] }
  ? V
  : O extends { readonly type: OptionType.Integer | OptionType.Number }
    ? number
    : O extends { readonly type: OptionType.Boolean }
      ? boolean
      : O extends { readonly type: OptionType.User }
        ? FakeUserSpec
        : O extends { readonly type: OptionType.Attachment }
          ? FakeUpload
          : string;

/** The arguments of a command (or subcommand) from its options: required ones must be given. */
export type ArgsOf<Options extends readonly OptionData[]> = {
  [O in Options[number] as O extends { readonly required: true } ? O['name'] : never]: ValueOf<O>;
} & {
  [O in Options[number] as O extends { readonly required: true } ? never : O['name']]?: ValueOf<O>;
};

export type ImagineArgs = ArgsOf<typeof imagineCommand.options>;

type AdminOption = (typeof imagineAdminCommand.options)[number];
/** `/imagine-admin` paths as a member types them: `pause`, `limit`, `log channel`, `words add`… */
type PathOf<O> = O extends { readonly type: OptionType.SubcommandGroup; readonly name: infer G extends string; readonly options: readonly (infer S)[] }
  ? S extends { readonly name: infer N extends string }
    ? `${G} ${N}`
    : never
  : O extends { readonly name: infer N extends string }
    ? N
    : never;
export type AdminPath = PathOf<AdminOption>;
type SubcommandAt<O, P> = O extends { readonly type: OptionType.SubcommandGroup; readonly name: infer G extends string; readonly options: readonly (infer S)[] }
  ? S extends { readonly name: infer N extends string }
    ? `${G} ${N}` extends P
      ? S
      : never
    : never
  : O extends { readonly name: P }
    ? O
    : never;
export type AdminArgs<P extends AdminPath> = SubcommandAt<AdminOption, P> extends { readonly options: infer Os extends readonly OptionData[] } ? ArgsOf<Os> : Record<never, never>;

/** The bot's forms, by the button or command that opens them, and what a member fills in. */
const FORMS = { Edit: { text: EDIT_TEXT_INPUT } } as const;
type FormName = keyof typeof FORMS;
type FormFields<F extends FormName> = { [K in keyof (typeof FORMS)[F]]: string };

/** Where a member is and what Discord knows of them beyond their id. */
export interface MemberPlace {
  guildId: string;
  channelId: string;
  roles?: readonly string[];
  /** The member's permissions bitfield in the channel (e.g. MANAGE_MESSAGES). */
  permissions?: string;
  /** The language of the member's Discord client (the interaction's `locale`). */
  locale?: string;
}

/**
 * A member of the test server, acting as a person would in Discord's client: slash commands with the
 * options their data declares, buttons by their label, forms by their fields. Each call returns the
 * fake's interaction, to read the bot's answer from.
 */
export class Member {
  constructor(
    private readonly discord: FakeDiscord,
    readonly user: FakeUserSpec,
    private readonly place: MemberPlace,
  ) {}

  get id(): string {
    return this.user.id;
  }

  /** The same member in another channel or thread of the server. */
  in(channelId: string): Member {
    return new Member(this.discord, this.user, { ...this.place, channelId });
  }

  /** The same member holding these roles. */
  withRoles(roles: readonly string[]): Member {
    return new Member(this.discord, this.user, { ...this.place, roles });
  }

  /** `/imagine` (an `image` upload makes it an edit of that picture). */
  imagine(args: ImagineArgs, extra: { attachmentSizeLimit?: number } = {}): FakeInteraction {
    return this.slash(imagineCommand.name, imagineCommand.options, args as Record<string, unknown>, extra);
  }

  quota(): FakeInteraction {
    return this.slash(quotaCommand.name, [], {});
  }

  history(): FakeInteraction {
    return this.slash(historyCommand.name, [], {});
  }

  /** `/imagine-admin <path>` with the subcommand's options. */
  admin<P extends AdminPath>(path: P, args?: AdminArgs<P>): FakeInteraction {
    const [first, second] = path.split(' ') as [string, string | undefined];
    const top = imagineAdminCommand.options.find((option) => option.name === first) as OptionData;
    const leaf = second === undefined ? top : top.options!.find((option) => option.name === second)!;
    const resolved: Resolved = {};
    const leafOptions = encodeOptions(leaf.options ?? [], (args ?? {}) as Record<string, unknown>, resolved);
    const subcommand: CommandOptionSpec = { name: leaf.name, type: OptionType.Subcommand, ...(leafOptions.length > 0 ? { options: leafOptions } : {}) };
    const options = second === undefined ? [subcommand] : [{ name: first, type: OptionType.SubcommandGroup, options: [subcommand] }];
    return this.dispatch({ commandName: imagineAdminCommand.name, options, ...resolved });
  }

  /** Right-click a message → Apps → "Edit image". */
  editImage(message: FakeMessage): FakeInteraction {
    return this.dispatch({ commandName: editImageCommand.name, targetMessageId: message.id });
  }

  /** Presses the button whose label holds `button` on a message (a delivered image's Reroll, Edit or Delete, /history's Older…). */
  press(message: FakeMessage, button: ImageButton | 'Cancel' | 'Newer' | 'Older'): FakeInteraction {
    return this.discord.dispatchComponent({ messageId: message.id, customId: customIdOf(message, button), user: this.user, ...this.presence() });
  }

  /** Fills in and sends the form `opener` opened (waiting for the bot to open it). */
  async submit<F extends FormName>(opener: FakeInteraction, form: F, fields: FormFields<F>): Promise<FakeInteraction> {
    expect((await opener.waitForResponse()).type, `the bot opens the ${form} form`).toBe(9);
    const inputs = FORMS[form] as Record<string, string>;
    const values = Object.fromEntries(Object.entries(fields as Record<string, string>).map(([field, value]) => [inputs[field]!, value]));
    return this.discord.submitModal(opener, values);
  }

  /** Posts a message of their own in the channel (e.g. a photo someone will edit). */
  post(message: { content?: string; files?: FakeUpload[] }): FakeMessage {
    return this.discord.postMemberMessage({ channelId: this.place.channelId, user: this.user, ...message });
  }

  private slash(commandName: string, definitions: readonly OptionData[], args: Record<string, unknown>, extra: { attachmentSizeLimit?: number } = {}): FakeInteraction {
    const resolved: Resolved = {};
    const options = encodeOptions(definitions, args, resolved);
    return this.dispatch({ commandName, options, ...resolved, ...extra });
  }

  private dispatch(spec: Omit<InteractionSpec, 'guildId' | 'channelId' | 'user'>): FakeInteraction {
    return this.discord.dispatchInteraction({ ...spec, guildId: this.place.guildId, channelId: this.place.channelId, user: this.user, ...this.presence() });
  }

  private presence(): { memberRoles?: string[]; memberPermissions?: string; locale?: string } {
    return {
      ...(this.place.roles === undefined ? {} : { memberRoles: [...this.place.roles] }),
      ...(this.place.permissions === undefined ? {} : { memberPermissions: this.place.permissions }),
      ...(this.place.locale === undefined ? {} : { locale: this.place.locale }),
    };
  }
}

/** The test server, where members are found by name (see ids.ts for who is who). */
export interface TestGuild {
  readonly id: string;
  /** A member by name (or as a user), in the default channel unless `options` say otherwise. */
  member(who: string | FakeUserSpec, options?: Partial<Omit<MemberPlace, 'guildId'>>): Member;
}

export function testGuild(discord: FakeDiscord, where: { guildId: string; channelId: string }): TestGuild {
  return {
    id: where.guildId,
    member: (who, options = {}) =>
      new Member(discord, typeof who === 'string' ? person(who) : who, { guildId: where.guildId, channelId: where.channelId, ...options }),
  };
}

type Resolved = Pick<InteractionSpec, 'resolvedUsers' | 'resolvedRoles' | 'resolvedChannels' | 'attachments'>;

/** The options Discord sends for `args`, in the data's order; users, roles, channels and uploads are also resolved. */
function encodeOptions(definitions: readonly OptionData[], args: Record<string, unknown>, resolved: Resolved): CommandOptionSpec[] {
  const options: CommandOptionSpec[] = [];
  for (const definition of definitions) {
    const value = args[definition.name];
    if (value === undefined) continue;
    const { name, type } = definition;
    if (type === OptionType.Attachment) {
      resolved.attachments = { ...resolved.attachments, [name]: value as FakeUpload };
    } else if (type === OptionType.User) {
      const user = value as FakeUserSpec;
      resolved.resolvedUsers = [...(resolved.resolvedUsers ?? []), user];
      options.push({ name, type, value: user.id });
    } else {
      if (type === OptionType.Role) resolved.resolvedRoles = [...(resolved.resolvedRoles ?? []), { id: value as string }];
      if (type === OptionType.Channel) resolved.resolvedChannels = [...(resolved.resolvedChannels ?? []), value as string];
      options.push({ name, type, value: value as string | number | boolean });
    }
  }
  return options;
}
