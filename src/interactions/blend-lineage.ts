import { jumpLink, type HistoryEntry, type HistoryStore } from '../history/history.js';
import { jobIdOfFilename } from '../jobs/image-filename.js';
import type { ImageParent, PictureSource } from '../discord/message-refs.js';
import type { Logger } from '../log.js';

export interface BlendLineage {
  /** Links to the messages of the bot's images among the pictures, each once. */
  parents: ImageParent[];
  /** Each picture's message, by place, where it is one of the bot's images (a reroll reads it there again); else null. */
  sources: Array<PictureSource | null>;
}

/**
 * The bot's own images among a blend's pictures: a picture whose file name names a job whose image is still in
 * this server's history. A lookup that fails costs only the link.
 */
export async function blendLineage(
  filenames: readonly string[],
  guildId: string,
  deps: { history: Pick<HistoryStore, 'get'>; logger: Logger; now: number },
): Promise<BlendLineage> {
  const lookup = async (jobId: string): Promise<HistoryEntry | undefined> => {
    const entry = await deps.history.get(jobId, deps.now).catch((error: unknown) => {
      deps.logger.warn({ err: error, jobId }, 'could not look up a blended image in the history');
      return undefined;
    });
    return entry?.guildId === guildId ? entry : undefined;
  };
  const entries = await Promise.all(filenames.map((name) => {
    const jobId = jobIdOfFilename(name);
    return jobId === undefined ? undefined : lookup(jobId);
  }));
  const parents = new Map<string, ImageParent>();
  for (const entry of entries) {
    const url = entry && jumpLink(entry);
    if (entry && url) parents.set(entry.jobId, { jobId: entry.jobId, url });
  }
  return { parents: [...parents.values()], sources: entries.map((entry) => (entry ? sourceOf(entry) : null)) };
}

/** The message and attachment a delivered image is on (the attachment's id is part of its CDN path). */
function sourceOf(entry: HistoryEntry): PictureSource | null {
  const attachmentId = entry.imageUrl === undefined ? undefined : /\/attachments\/\d+\/(\d+)\//.exec(new URL(entry.imageUrl).pathname)?.[1];
  if (entry.messageId === undefined || attachmentId === undefined) return null;
  return { channelId: entry.channelId, messageId: entry.messageId, attachmentId, ownerId: entry.userId };
}
