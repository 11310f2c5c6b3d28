import { ButtonStyle, ComponentType, escapeMarkdown, type APIActionRowComponent, type APIButtonComponentWithCustomId } from 'discord.js';
import { encodeCustomId, type CustomId } from '../discord/custom-ids.js';
import { promptForEmbed } from '../discord/embeds.js';
import type { OutgoingMessage } from '../discord/replies.js';
import { resultCard } from '../discord/result-card.js';
import { QUALITY_LABELS } from '../kie/index.js';
import { messagesFor, type Messages } from '../messages.js';
import type { FailureReason } from '../errors.js';
import type { FittedImage } from './image.js';
import { deliveredImageFilename } from './image-filename.js';
import type { JobIn } from './job.js';

const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif' } as const;

export interface DeliveredImages {
  /** The images of the message, in their set's order (one for a single image). */
  images: ReadonlyArray<{ job: JobIn<'delivering'>; image: FittedImage }>;
  elapsedMs: number;
  /** Whether the message goes somewhere other than the original reply (so it must say whom it is for). */
  late: boolean;
  /** Why images of the set failed (their units are back), each said in the message. */
  failures?: readonly FailureReason[];
}

/**
 * The delivered images as one result card (see resultCard): a gallery of the images, the first one's prompt,
 * settings and lineage, the set's failures, and the buttons.
 */
export function successMessage({ images, elapsedMs, late, failures = [] }: DeliveredImages): OutgoingMessage {
  const [first] = images;
  if (first === undefined) throw new Error('a result message needs an image');
  const { job } = first;
  const m = messagesFor(job.locale);
  const set = images.length > 1;
  return resultCard({
    heading: [...(late ? [m.lateDelivery(job.userId)] : []), `### ${set ? m.resultTitleSet(images.length) : m.resultTitle}`].join('\n'),
    media: images.map(({ job: each, image }, index) => ({
      file: { name: fileNameOf(each.id, image.format), data: image.bytes, contentType: `image/${image.format}` },
      alt: set ? `${m.setImageTitle(index + 1)}: ${each.request.prompt}` : each.request.prompt,
    })),
    prompt: promptForEmbed(job.request.prompt),
    details: [...detailsOf(images, elapsedMs, m), ...failures.map((reason) => `⚠️ ${m.setImageFailed(m.failure(reason))}`)],
    footer: footerOf(job, first.image, m),
    buttons: imageButtons(images.map(({ job: each }) => each), m),
    // A late card is posted away from the member's reply: it pings them, and only them.
    ...(late ? { notify: job.userId } : {}),
  });
}

/** The file name of a job's image (it names the job in full): a press on one image of a set finds its attachment by it, and /blend its parent. */
export function fileNameOf(jobId: string, format: FittedImage['format']): string {
  return deliveredImageFilename(jobId, EXTENSIONS[format]);
}

/** The card's lines under the prompt: settings, who asked, the style, what it came from, and resized images' originals. */
function detailsOf(images: DeliveredImages['images'], elapsedMs: number, m: Messages): string[] {
  const [first] = images;
  if (first === undefined) return [];
  const { job } = first;
  const field = (name: string, value: string) => `**${name}** ${value}`;
  const { style, droppedStyle, imageUrls = [], parents = [], upscaleFactor } = job.request;
  const lines = [
    [field(m.fieldAspect, job.request.aspect), field(m.fieldQuality, qualityOf(job, m)), field(m.fieldTook, m.formatDuration(elapsedMs))].join(' · '),
    [
      field(m.fieldRequestedBy, `<@${job.userId}>`),
      ...(style !== undefined ? [field(m.styleField, escapeMarkdown(style))] : []),
      ...(imageUrls.length > 1 ? [field(m.blendField, m.blendedFrom(imageUrls.length))] : []),
    ].join(' · '),
  ];
  if (style === undefined && droppedStyle !== undefined) lines.push(field(m.styleField, m.droppedStyle(droppedStyle)));
  if (parents.length > 0) lines.push(field(m.parentField, m.parentLinks(parents.map((parent) => parent.url), upscaleFactor !== undefined)));
  const resized = images.filter(({ image }) => image.resized);
  if (resized.length > 0) {
    lines.push(field(m.fieldOriginal, [m.resized(job.attachmentSizeLimit), ...resized.map(({ job: each }) => m.originalLink(each.resultUrl))].join(' ')));
  }
  return lines;
}

function qualityOf(job: JobIn<'delivering'>, m: Messages): string {
  const { quality, upscaleFactor } = job.request;
  if (upscaleFactor !== undefined) return m.upscaledQuality(upscaleFactor);
  return `${QUALITY_LABELS[quality]} (${quality})`;
}

function footerOf(job: JobIn<'delivering'>, image: FittedImage, m: Messages): string {
  const model = job.request.upscaleFactor === undefined ? 'Seedream 4.5' : m.upscaleFooter(job.request.upscaleFactor);
  return model + (image.width && image.height ? ` · ${image.width}×${image.height}` : '');
}

type ButtonStyleOf = ButtonStyle.Secondary | ButtonStyle.Danger;

function button(id: CustomId, label: string, emoji: string, style: ButtonStyleOf = ButtonStyle.Secondary): APIButtonComponentWithCustomId {
  return { type: ComponentType.Button, style, label, emoji: { name: emoji }, custom_id: encodeCustomId(id) };
}

function row(components: APIButtonComponentWithCustomId[]): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return { type: ComponentType.ActionRow, components };
}

/** Whether an image may be upscaled: a 2K image that is not an upscale already (4K is the most the bot makes). */
export function upscalable(request: Pick<JobIn<'delivering'>['request'], 'quality' | 'upscaleFactor'>): boolean {
  return request.quality === 'basic' && request.upscaleFactor === undefined;
}

/**
 * The buttons under delivered images; their custom_ids name only a job (see custom-ids.ts). Reroll and
 * Delete act on the whole message and name its first image; Edit and Upscale act on one image each, and
 * are numbered when there are several. Upscale only on 2K images.
 */
export function imageButtons(jobs: ReadonlyArray<Pick<JobIn<'delivering'>, 'id' | 'request'>>, m: Messages): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const [first] = jobs;
  if (first === undefined) return [];
  const reroll = button({ kind: 'reroll', jobId: first.id }, m.rerollLabel, '🔄');
  const remove = button({ kind: 'delete', jobId: first.id }, m.deleteLabel, '🗑️', ButtonStyle.Danger);
  if (jobs.length === 1) {
    const upscale = upscalable(first.request) ? [button({ kind: 'upscale', jobId: first.id }, m.upscaleLabel, '🔍')] : [];
    return [row([reroll, button({ kind: 'edit', jobId: first.id }, m.editLabel, '✏️'), ...upscale, remove])];
  }
  const rows = [row([reroll, remove]), row(jobs.map((job, index) => button({ kind: 'edit', jobId: job.id }, m.editImageLabel(index + 1), '✏️')))];
  const upscales = jobs.flatMap((job, index) => (upscalable(job.request) ? [button({ kind: 'upscale', jobId: job.id }, m.upscaleImageLabel(index + 1), '🔍')] : []));
  if (upscales.length > 0) rows.push(row(upscales));
  return rows;
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
