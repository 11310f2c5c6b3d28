import type { FakeDiscord, FakeInteraction, FakeUserSpec } from '../fakes/discord/index.js';
import type { FakeKie } from '../fakes/kie/index.js';
import type { TestGuild } from './members.js';

export interface ImagineOptions {
  prompt: string;
  aspect?: string;
  quality?: string;
  /** /imagine count: how many images at once. */
  count?: number;
  user?: FakeUserSpec | undefined;
  attachmentSizeLimit?: number;
  /** The member's Discord locale (default en-US). */
  locale?: string;
  /** /imagine private: (left out unless given). */
  private?: boolean;
}

export interface CommandExtra {
  user?: FakeUserSpec;
  locale?: string;
  memberPermissions?: string;
  resolvedUsers?: FakeUserSpec[];
}

/**
 * What every test bot offers, whether it runs in this process (startHarness) or as child processes
 * (startRestartableBot): the fakes it talks to, the commands a member can send, and one close().
 */
export interface BotRig {
  readonly discord: FakeDiscord;
  readonly kie: FakeKie;
  /** The test server: its members act as people do in Discord (`guild.member('ana').imagine({ prompt })`). */
  readonly guild: TestGuild;
  imagine(options: ImagineOptions): FakeInteraction;
  command(name: string, options?: unknown[], extra?: CommandExtra): FakeInteraction;
  close(): Promise<void>;
}

/** Commands dispatched by members of one guild channel (the member is `defaultUser` unless given). */
export function memberCommands(
  discord: FakeDiscord,
  where: { guildId: string; channelId: string; defaultUser: FakeUserSpec },
): Pick<BotRig, 'imagine' | 'command'> {
  const command: BotRig['command'] = (name, options = [], extra = {}) =>
    discord.dispatchInteraction({
      commandName: name,
      options: options as never,
      guildId: where.guildId,
      channelId: where.channelId,
      user: extra.user ?? where.defaultUser,
      ...(extra.memberPermissions ? { memberPermissions: extra.memberPermissions } : {}),
      ...(extra.resolvedUsers ? { resolvedUsers: extra.resolvedUsers } : {}),
      ...(extra.locale ? { locale: extra.locale } : {}),
    });
  const imagine: BotRig['imagine'] = ({ prompt, aspect, quality, count, user, attachmentSizeLimit, locale, private: privately }) => {
    const options: Array<{ name: string; type: number; value: string | number | boolean }> = [{ name: 'prompt', type: 3, value: prompt }];
    if (aspect !== undefined) options.push({ name: 'aspect', type: 3, value: aspect });
    if (quality !== undefined) options.push({ name: 'quality', type: 3, value: quality });
    if (count !== undefined) options.push({ name: 'count', type: 4, value: count });
    if (privately !== undefined) options.push({ name: 'private', type: 5, value: privately });
    return discord.dispatchInteraction({
      commandName: 'imagine',
      options: options as never,
      guildId: where.guildId,
      channelId: where.channelId,
      user: user ?? where.defaultUser,
      ...(attachmentSizeLimit !== undefined ? { attachmentSizeLimit } : {}),
      ...(locale !== undefined ? { locale } : {}),
    });
  };
  return { imagine, command };
}
