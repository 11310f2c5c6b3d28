import { MessageFlags } from 'discord.js';
import { Refusal } from '../src/errors.js';
import { suggestStyles } from '../src/interactions/style-autocomplete.js';
import { messagesFor } from '../src/messages.js';
import { MAX_SET_SIZE, type MemberDefaults } from '../src/policy/member-defaults.js';
import { findStyle } from '../src/policy/styles.js';
import type { Command } from '../src/services.js';
import { ASPECT_RATIOS, QUALITIES, type AspectRatio, type Quality } from '../src/kie/index.js';
import { settingsCommand } from './settings-data.js';

const COUNTS = Array.from({ length: MAX_SET_SIZE }, (_, index) => String(index + 1));

/** `/settings`: stores the member's defaults for this server, or shows them; `reset:true` clears them first. Always private. */
export const settings: Command = {
  data: settingsCommand,
  async execute(interaction, services) {
    const { guildId } = interaction;
    const userId = interaction.user.id;
    const { options } = interaction;
    const policy = await services.settings.policy(guildId);
    const changes: MemberDefaults = {};
    const aspect = options.getString('aspect');
    const quality = options.getString('quality');
    const count = options.getInteger('count');
    const style = options.getString('style');
    const privately = options.getBoolean('private');
    // A tampered client can send values the choices never offered.
    if (aspect !== null && !(ASPECT_RATIOS as readonly string[]).includes(aspect)) throw new Refusal({ code: 'invalid_choice', option: 'aspect', allowed: ASPECT_RATIOS });
    if (quality !== null && !(QUALITIES as readonly string[]).includes(quality)) throw new Refusal({ code: 'invalid_choice', option: 'quality', allowed: QUALITIES });
    if (aspect !== null) changes.aspect = aspect as AspectRatio;
    if (quality !== null) changes.quality = quality as Quality;
    if (count !== null && (count < 1 || count > MAX_SET_SIZE)) throw new Refusal({ code: 'invalid_choice', option: 'count', allowed: COUNTS });
    if (count !== null) changes.count = count;
    if (privately !== null) changes.private = privately;
    if (style !== null) {
      const listed = findStyle(policy.styles, style);
      if (listed === undefined) throw new Refusal({ code: 'unknown_style', name: style });
      changes.style = listed.name;
    }
    const reset = options.getBoolean('reset') === true;
    if (reset) await services.memberDefaults.reset(guildId, userId);
    const changed = Object.keys(changes).length > 0;
    const defaults = changed ? await services.memberDefaults.update(guildId, userId, changes) : await services.memberDefaults.get(guildId, userId);
    const m = messagesFor(interaction.locale);
    let content = reset && !changed ? m.settingsReset : changed ? m.settingsSaved(defaults) : m.settingsShown(defaults);
    if (defaults.style !== undefined && findStyle(policy.styles, defaults.style) === undefined) content += m.settingsStyleGone(defaults.style);
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
  autocomplete: suggestStyles,
};
