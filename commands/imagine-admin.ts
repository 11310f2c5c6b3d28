import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { Refusal } from '../src/errors.js';
import { messages } from '../src/messages.js';
import { SettingsError } from '../src/policy/settings-store.js';
import type { Command, GuildCommandInteraction, Services } from '../src/services.js';
import { formatGuildUsage, formatMemberUsage } from '../src/admin/usage-report.js';
import { imagesFor } from '../src/kie/credit-monitor.js';
import { MAX_PRIORITY_ROLES } from '../src/queue/priority-roles.js';
import { imagineAdminCommand } from './imagine-admin-data.js';

type Action = (interaction: GuildCommandInteraction, services: Services, guildId: string) => Promise<string>;

const actions: Record<string, Action> = {
  async limit(interaction, { settings }, guildId) {
    const limit = interaction.options.getInteger('limit', true);
    const user = interaction.options.getUser('user');
    const role = interaction.options.getRole('role');
    if (user && role) throw new Refusal({ code: 'invalid_setting', detail: messages.limitUserOrRole });
    if (role) {
      await settings.setRoleLimit(guildId, role.id, limit);
      return messages.roleLimitSet(role.id, limit);
    }
    if (user) {
      await settings.setUserLimit(guildId, user.id, limit);
      return messages.userLimitSet(user.id, limit);
    }
    await settings.setDefaultLimit(guildId, limit);
    return messages.limitSet(limit);
  },
  async reset(interaction, { quota }, guildId) {
    const user = interaction.options.getUser('user', true);
    await quota.reset(guildId, user.id);
    return messages.usageReset(user.id);
  },
  async block(interaction, { settings }, guildId) {
    const user = interaction.options.getUser('user', true);
    if (await settings.isBlocked(guildId, user.id)) return messages.alreadyBlocked(user.id);
    await settings.setBlocked(guildId, user.id, true);
    return messages.userBlocked(user.id);
  },
  async unblock(interaction, { settings }, guildId) {
    const user = interaction.options.getUser('user', true);
    if (!(await settings.isBlocked(guildId, user.id))) return messages.notBlocked(user.id);
    await settings.setBlocked(guildId, user.id, false);
    return messages.userUnblocked(user.id);
  },
  async usage(interaction, { quota, spend }, guildId) {
    const user = interaction.options.getUser('user');
    if (user) {
      const [days, status] = await Promise.all([quota.usage(guildId, user.id), quota.status(guildId, user.id)]);
      return formatMemberUsage(user.id, days, status);
    }
    const usage = await quota.guildUsage(guildId);
    return formatGuildUsage(usage, await spend.days(guildId, usage.days.map((day) => day.day)));
  },
  async 'log channel'(interaction, { settings }, guildId) {
    const channel = interaction.options.getChannel('channel', true);
    await settings.setLogChannel(guildId, channel.id);
    return messages.logChannelSet(channel.id);
  },
  async 'log off'(_interaction, { settings }, guildId) {
    const current = await settings.logChannel(guildId);
    if (current === undefined) return messages.logAlreadyOff;
    await settings.setLogChannel(guildId, undefined);
    return messages.logOff(current);
  },
  async 'channels allow'(interaction, { settings }, guildId) {
    const channel = interaction.options.getChannel('channel', true);
    const added = await settings.allowChannel(guildId, channel.id);
    return added ? messages.channelAllowed(channel.id, await settings.allowedChannels(guildId)) : messages.channelAlreadyAllowed(channel.id);
  },
  async 'channels remove'(interaction, { settings }, guildId) {
    const channel = interaction.options.getChannel('channel', true);
    const removed = await settings.removeChannel(guildId, channel.id);
    return removed ? messages.channelRemoved(channel.id, await settings.allowedChannels(guildId)) : messages.channelNotAllowed(channel.id);
  },
  async 'channels list'(_interaction, { settings }, guildId) {
    return messages.channelsList(await settings.allowedChannels(guildId));
  },
  async cap(interaction, { settings }, guildId) {
    const images = interaction.options.getInteger('images', true);
    await settings.setDailyCap(guildId, images);
    return images === 0 ? messages.capRemoved : messages.capSet(images);
  },
  async 'priority add'(interaction, { priorityRoles }, guildId) {
    const role = interaction.options.getRole('role', true);
    const result = await priorityRoles.add(guildId, role.id);
    if (result === 'full') return messages.priorityRolesFull(MAX_PRIORITY_ROLES);
    return result === 'added' ? messages.priorityRoleAdded(role.id, await priorityRoles.list(guildId)) : messages.priorityRoleAlready(role.id);
  },
  async 'priority remove'(interaction, { priorityRoles }, guildId) {
    const role = interaction.options.getRole('role', true);
    const removed = (await priorityRoles.remove(guildId, role.id)) === 'removed';
    return removed ? messages.priorityRoleRemoved(role.id, await priorityRoles.list(guildId)) : messages.priorityRoleNotListed(role.id);
  },
  async 'priority list'(_interaction, { priorityRoles }, guildId) {
    return messages.priorityRolesList(await priorityRoles.list(guildId));
  },
  async credits(_interaction, { credits, logger, operator }, guildId) {
    if (!operator.isOperatorGuild(guildId)) throw new Refusal({ code: 'operator_only' });
    try {
      const balance = await credits();
      return messages.creditsBalance(balance, imagesFor(balance));
    } catch (error) {
      logger.warn({ err: error }, 'could not read the KIE credit balance');
      return messages.creditsUnavailable;
    }
  },
  async 'words add'(interaction, { settings }, guildId) {
    const { added, words, word } = await settings.addBannedWord(guildId, interaction.options.getString('word', true));
    return added ? messages.wordAdded(word, words.length) : messages.wordAlreadyBanned(word);
  },
  async 'words remove'(interaction, { settings }, guildId) {
    const { removed, words, word } = await settings.removeBannedWord(guildId, interaction.options.getString('word', true));
    return removed ? messages.wordRemoved(word, words.length) : messages.wordNotBanned(word);
  },
  async 'words list'(_interaction, { settings }, guildId) {
    return messages.wordsList((await settings.get(guildId)).bannedWords);
  },
  async pause(_interaction, { settings }, guildId) {
    if ((await settings.get(guildId)).paused) return messages.alreadyPaused;
    await settings.setPaused(guildId, true);
    return messages.pausedNow;
  },
  async resume(_interaction, { settings }, guildId) {
    if (!(await settings.get(guildId)).paused) return messages.notPaused;
    await settings.setPaused(guildId, false);
    return messages.resumed;
  },
};

export const imagineAdmin: Command = {
  data: imagineAdminCommand,
  async execute(interaction, services) {
    const { guildId } = interaction;
    const group = interaction.options.getSubcommandGroup(false);
    const name = group ? `${group} ${interaction.options.getSubcommand(true)}` : interaction.options.getSubcommand(true);
    // A server can override who sees the command; the permission itself is what grants admin actions.
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      services.logger.warn(
        { audit: true, guildId, userId: interaction.user.id, action: name, at: new Date(services.clock.now()).toISOString() },
        'admin command refused: missing Manage Guild',
      );
      throw new Refusal({ code: 'admin_only' });
    }
    const action = actions[name];
    if (!action) throw new Error(`unknown admin subcommand ${name}`);
    const content = await action(interaction, services, guildId).catch((error: unknown) => {
      // A rejected change (empty or over-long word, full word list, bad limit) is the admin's to fix, not a crash.
      throw error instanceof SettingsError ? new Refusal({ code: 'invalid_setting', detail: error.message }, { cause: error }) : error;
    });
    services.logger.info(
      {
        audit: true,
        guildId,
        adminId: interaction.user.id,
        action: name,
        targetUserId: interaction.options.getUser('user')?.id,
        at: new Date(services.clock.now()).toISOString(),
      },
      'admin action',
    );
    const logged = services.modLog.adminAction(guildId, interaction.user.id, name, content);
    // A new log channel is tried at once, so the admin learns now whether the bot may post there.
    if (name === 'log channel') await logged;
    const problem = services.modLog.takeProblem(guildId);
    await interaction.reply({
      content: problem === undefined ? content : `${content}\n\n${problem}`,
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
