import { MAX_DAILY_LIMIT } from '../src/policy/guild-policy.js';
import { MAX_STYLE_NAME_LENGTH, MAX_STYLE_TEXT_LENGTH } from '../src/policy/styles.js';
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type APIApplicationCommandChannelOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

export const MAX_ADMIN_LIMIT = 1000;

const user = (description: string, required: boolean) =>
  ({ type: ApplicationCommandOptionType.User, name: 'user', description, required }) as const;
const channel = (description: string): APIApplicationCommandChannelOption => ({
  type: ApplicationCommandOptionType.Channel,
  name: 'channel',
  description,
  required: true,
  channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement],
});
const priorityRole = { type: ApplicationCommandOptionType.Role, name: 'role', description: 'The role', required: true } as const;
const styleName = (autocomplete: boolean) =>
  ({ type: ApplicationCommandOptionType.String, name: 'name', description: "The style's name", required: true, min_length: 1, max_length: MAX_STYLE_NAME_LENGTH, autocomplete }) as const;
const word = { type: ApplicationCommandOptionType.String, name: 'word', description: 'A word or short phrase', required: true, max_length: 64 } as const;

export const imagineAdminCommand = {
  name: 'imagine-admin',
  description: 'Manage image generation in this server',
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'limit',
      description: 'Set the daily image limit for the server, or for one member',
      options: [
        { type: ApplicationCommandOptionType.Integer, name: 'limit', description: 'Images per day', required: true, min_value: 0, max_value: MAX_ADMIN_LIMIT },
        user('Only this member (leave empty for the server default)', false),
        { type: ApplicationCommandOptionType.Role, name: 'role', description: 'Only members with this role (the highest role limit applies)', required: false },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'reset',
      description: "Give a member back today's usage",
      options: [user('The member', true)],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'block',
      description: 'Stop a member from generating images',
      options: [user('The member', true)],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'unblock',
      description: 'Let a blocked member generate images again',
      options: [user('The member', true)],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'usage',
      description: 'Usage today and over the last 7 days',
      options: [user('Only this member (leave empty for the whole server)', false)],
    },
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'words',
      description: 'Banned prompt words',
      options: [
        { type: ApplicationCommandOptionType.Subcommand, name: 'add', description: 'Ban a word in prompts', options: [word] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'remove', description: 'Allow a banned word again', options: [word] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'List the banned words' },
      ],
    },
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'log',
      description: 'The moderation log channel',
      options: [
        { type: ApplicationCommandOptionType.Subcommand, name: 'channel', description: 'Post every image, refusal and admin action there', options: [channel('The log channel')] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'off', description: 'Stop posting to the log channel' },
      ],
    },
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'channels',
      description: 'The channels /imagine may be used in',
      options: [
        { type: ApplicationCommandOptionType.Subcommand, name: 'allow', description: 'Allow /imagine in a channel (then only in listed ones)', options: [channel('The channel')] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'remove', description: 'Take a channel off the list', options: [channel('The channel')] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'List the allowed channels' },
      ],
    },
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'styles',
      description: 'Named styles members can add to their prompts',
      options: [
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'add',
          description: 'Add a style, or change the text of one',
          options: [
            styleName(false),
            { type: ApplicationCommandOptionType.String, name: 'text', description: 'Words added after the prompt, e.g. "oil painting, warm light"', required: true, max_length: MAX_STYLE_TEXT_LENGTH },
          ],
        },
        { type: ApplicationCommandOptionType.Subcommand, name: 'remove', description: 'Remove a style', options: [styleName(true)] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: "List the server's styles" },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'cap',
      description: "Cap the server's images per day, all members together",
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'images', description: 'Images per day (0 = no cap)', required: true, min_value: 0, max_value: MAX_DAILY_LIMIT }],
    },
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'priority',
      description: 'Roles whose members come first when images wait for the image service',
      options: [
        { type: ApplicationCommandOptionType.Subcommand, name: 'add', description: 'Members with this role come first in the line', options: [priorityRole] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'remove', description: 'Take a role off the priority list', options: [priorityRole] },
        { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'List the priority roles' },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'credits', description: "KIE's remaining credits and about how many images they pay for" },
    { type: ApplicationCommandOptionType.Subcommand, name: 'pause', description: 'Pause image generation in this server' },
    { type: ApplicationCommandOptionType.Subcommand, name: 'resume', description: 'Resume image generation in this server' },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;
