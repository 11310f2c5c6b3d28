import { ButtonStyle, ComponentType, escapeMarkdown, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIEmbed } from 'discord.js';
import { encodeCustomId, type ImageAction } from '../discord/custom-ids.js';
import { EMBED_COLOR, promptForEmbed } from '../discord/embeds.js';
import type { OutgoingMessage } from '../discord/replies.js';
import { QUALITY_LABELS } from '../kie/index.js';
import { messagesFor, type Messages } from '../messages.js';
import type { FittedImage } from './image.js';
import { deliveredImageFilename } from './image-filename.js';
import type { JobIn } from './job.js';

const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif' } as const;

export interface DeliveredImage {
  job: JobIn<'delivering'>;
  image: FittedImage;
  elapsedMs: number;
  /** Whether the message goes somewhere other than the original reply (so it must say whom it is for). */
  late: boolean;
}

export function successMessage({ job, image, elapsedMs, late }: DeliveredImage): OutgoingMessage {
  const m = messagesFor(job.locale);
  const filename = deliveredImageFilename(job.id, EXTENSIONS[image.format]);
  const fields: APIEmbed['fields'] = [
    { name: m.fieldAspect, value: job.request.aspect, inline: true },
    { name: m.fieldQuality, value: `${QUALITY_LABELS[job.request.quality]} (${job.request.quality})`, inline: true },
    { name: m.fieldTook, value: m.formatDuration(elapsedMs), inline: true },
    { name: m.fieldRequestedBy, value: `<@${job.userId}>`, inline: true },
  ];
  const { style, droppedStyle, imageUrls = [] } = job.request;
  if (style !== undefined) fields.push({ name: m.styleField, value: escapeMarkdown(style), inline: true });
  else if (droppedStyle !== undefined) fields.push({ name: m.styleField, value: m.droppedStyle(droppedStyle) });
  if (imageUrls.length > 1) fields.push({ name: m.blendField, value: m.blendedFrom(imageUrls.length), inline: true });
  const { parents = [] } = job.request;
  if (parents.length > 0) fields.push({ name: m.parentsField, value: m.parentLinks(parents.map((parent) => parent.url)) });
  if (image.resized) {
    fields.push({ name: m.fieldOriginal, value: `${m.resized(job.attachmentSizeLimit)} ${m.originalLink(job.resultUrl)}` });
  }
  const embed: APIEmbed = {
    title: m.resultTitle,
    description: promptForEmbed(job.request.prompt),
    color: EMBED_COLOR,
    fields,
    image: { url: `attachment://${filename}` },
    footer: { text: 'Seedream 4.5' + (image.width && image.height ? ` · ${image.width}×${image.height}` : '') },
  };
  return {
    content: late ? m.lateDelivery(job.userId) : '',
    embeds: [embed],
    files: [{ name: filename, data: image.bytes, contentType: `image/${image.format}` }],
    components: [imageButtons(job.id, m)],
    allowedMentions: late ? { users: [job.userId] } : { parse: [] },
  };
}

const BUTTONS: ReadonlyArray<{ action: ImageAction; label: (m: Messages) => string; emoji: string; style: ButtonStyle.Secondary | ButtonStyle.Danger }> = [
  { action: 'reroll', label: (m) => m.rerollLabel, emoji: '🔄', style: ButtonStyle.Secondary },
  { action: 'edit', label: (m) => m.editLabel, emoji: '✏️', style: ButtonStyle.Secondary },
  { action: 'delete', label: (m) => m.deleteLabel, emoji: '🗑️', style: ButtonStyle.Danger },
];

/** Reroll, Edit and Delete under a delivered image; their custom_ids name only the job (see custom-ids.ts). */
export function imageButtons(jobId: string, m: Messages): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: BUTTONS.map(({ action, label, emoji, style }) => ({
      type: ComponentType.Button,
      style,
      label: label(m),
      emoji: { name: emoji },
      custom_id: encodeCustomId({ kind: 'image', action, jobId }),
    })),
  };
}

/** Under the status of a job that waits for KIE: its member (or a moderator) may still call it off. */
export function cancelButton(jobId: string, m: Messages): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: m.cancelLabel, emoji: { name: '✖️' }, custom_id: encodeCustomId({ kind: 'cancel', jobId }) },
    ],
  };
}
