import { jumpLink, type HistoryStore } from '../history/history.js';
import { jobIdOfFilename } from '../jobs/image-filename.js';
import type { ImageParent } from '../jobs/job.js';
import type { Logger } from '../log.js';

/**
 * The bot's own images among a blend's pictures, each as a link to its message: a picture whose file name
 * names a job whose image is still in this server's history. A lookup that fails costs only the link.
 */
export async function blendParents(
  filenames: readonly string[],
  guildId: string,
  deps: { history: Pick<HistoryStore, 'get'>; logger: Logger; now: number },
): Promise<ImageParent[]> {
  const jobIds = [...new Set(filenames.flatMap((name) => jobIdOfFilename(name) ?? []))];
  const entries = await Promise.all(
    jobIds.map((jobId) =>
      deps.history.get(jobId, deps.now).catch((error: unknown) => {
        deps.logger.warn({ err: error, jobId }, 'could not look up a blended image in the history');
        return undefined;
      }),
    ),
  );
  return entries.flatMap((entry) => {
    const url = entry?.guildId === guildId ? jumpLink(entry) : undefined;
    return entry && url ? [{ jobId: entry.jobId, url }] : [];
  });
}
