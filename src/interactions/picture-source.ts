import { Routes, type APIMessage, type Client } from 'discord.js';
import { refreshAttachmentUrls } from '../discord/attachment-refresh.js';
import type { PictureSource } from '../discord/message-refs.js';
import type { Logger } from '../log.js';

/** KIE fetches the picture soon after the task is created; a URL with less time left than this is read again. */
export const PICTURE_URL_MARGIN_MS = 60_000;

/** How long a lookup of the picture's message may hold up the interaction (Discord allows 3 s to acknowledge). */
export const PICTURE_LOOKUP_TIMEOUT_MS = 1_000;

export interface PictureUrlDeps {
  client: Pick<Client, 'rest'>;
  logger: Logger;
  now: number;
}

/**
 * The picture's URL to hand KIE: the recorded one while Discord's signature on it (`ex`, hex seconds) still
 * holds, else a fresh one read from the message it came from; the recorded one when the message cannot be
 * read (deleted, or out of the bot's reach), and KIE's refusal then tells the member.
 */
export async function currentPictureUrl(recordedUrl: string, source: PictureSource | undefined, deps: PictureUrlDeps): Promise<string> {
  if (source === undefined || !expiresSoon(recordedUrl, deps.now)) return recordedUrl;
  try {
    const message = (await deps.client.rest.get(Routes.channelMessage(source.channelId, source.messageId), {
      signal: AbortSignal.timeout(PICTURE_LOOKUP_TIMEOUT_MS),
    })) as APIMessage;
    const attachment = message.attachments.find((candidate) => candidate.id === source.attachmentId);
    if (attachment) return attachment.url;
    deps.logger.info({ messageId: source.messageId }, 'the picture is no longer on its message');
  } catch (error) {
    deps.logger.info({ err: error, messageId: source.messageId }, 'could not read the picture message again');
  }
  return recordedUrl;
}

/**
 * Where each picture of a request can be read again: a blend's own list (its pictures that are the bot's
 * images), else an edit's one source for its first picture. A picture attached to a command has none: Discord
 * keeps it on no message.
 */
export function sourcesOf(urls: readonly string[], first: PictureSource | undefined, each: ReadonlyArray<PictureSource | null> | undefined): Array<PictureSource | undefined> {
  return urls.map((_, index) => each?.[index] ?? (index === 0 ? first : undefined));
}

/**
 * The pictures' URLs with each one out of KIE's reach (its link expires within the margin and no message
 * holds it, as for a picture attached to a command) signed anew by Discord; undefined when Discord could not
 * refresh them all (a Discord or proxy without the route, an error, a URL left out).
 */
export async function refreshedPictureUrls(urls: readonly string[], sources: ReadonlyArray<PictureSource | undefined>, deps: PictureUrlDeps): Promise<string[] | undefined> {
  const stale = urls.filter((url, index) => sources[index] === undefined && expiresSoon(url, deps.now));
  if (stale.length === 0) return [...urls];
  try {
    const fresh = await refreshAttachmentUrls(deps.client.rest, stale, AbortSignal.timeout(PICTURE_LOOKUP_TIMEOUT_MS));
    const freshOf = new Map(stale.map((url, index) => [url, fresh[index]]));
    return urls.map((url, index) => (sources[index] === undefined ? (freshOf.get(url) ?? url) : url));
  } catch (error) {
    deps.logger.info({ err: error, pictures: stale.length }, 'Discord did not refresh the expired picture links');
    return undefined;
  }
}

/** Every picture's URL to hand KIE, each read again from its message where its link is about to expire. */
export function currentPictureUrls(urls: readonly string[], sources: ReadonlyArray<PictureSource | undefined>, deps: PictureUrlDeps): Promise<string[]> {
  return Promise.all(urls.map((url, index) => currentPictureUrl(url, sources[index], deps)));
}

/** Whether a Discord attachment URL expires within the margin; a URL without an expiry is taken as it is. */
export function expiresSoon(url: string, now: number): boolean {
  let expiry: string | null;
  try {
    expiry = new URL(url).searchParams.get('ex');
  } catch {
    return false;
  }
  if (expiry === null || !/^[0-9a-f]+$/i.test(expiry)) return false;
  return Number.parseInt(expiry, 16) * 1000 - now < PICTURE_URL_MARGIN_MS;
}
