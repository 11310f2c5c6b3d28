import { PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { Refusal } from '../errors.js';
import { messagesFor } from '../messages.js';
import type { Services } from '../services.js';
import { giveUp, withDeadline } from '../util/deadline.js';

/** How long the press waits for the job to give its unit back before it edits the status anyway. */
const ENDING_WAIT_MS = 2_000;

/**
 * Cancel under a waiting job's status: its member, or anyone with Manage Messages, calls the job off before
 * its createTask leaves. The job ends with its unit back and the status says so; a press that comes too late
 * is told, privately, that the image has started.
 */
export async function cancelJob(interaction: ButtonInteraction, jobId: string, services: Services): Promise<void> {
  const mayManage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
  const result = services.cancels.cancel(jobId, { userId: interaction.user.id, mayManage });
  if (result.outcome === 'not_allowed') throw new Refusal({ code: 'cancel_not_allowed' });
  if (result.outcome === 'started') throw new Refusal({ code: 'cancel_too_late' });
  if (result.outcome === 'unknown') throw new Refusal({ code: 'cancel_unknown' });
  await interaction.deferUpdate();
  // The job stops its status edits and refunds first, so this edit is the last word on the status.
  await withDeadline(result.ended, ENDING_WAIT_MS, giveUp);
  const byModerator = interaction.user.id !== result.job.userId;
  await interaction.editReply({ content: messagesFor(interaction.locale).cancelled(byModerator), embeds: [], components: [], allowedMentions: { parse: [] } });
  services.logger.info({ jobId, guildId: result.job.guildId, userId: interaction.user.id, byModerator }, 'job cancelled');
}
