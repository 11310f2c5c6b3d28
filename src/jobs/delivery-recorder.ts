import type { Clock } from '../clock.js';
import type { HistoryEntry, HistoryStore } from '../history/history.js';
import { modelFor, TOPAZ_UPSCALE_MODEL } from '../kie/index.js';
import type { ModerationLog } from '../moderation/mod-log.js';
import { utcDay } from '../quota/day.js';
import type { SpendCounter } from '../spend/spend.js';
import type { Delivered } from './delivery.js';
import type { JobIn } from './job.js';
import type { DeliveryRecorder } from './runner.js';

export interface DeliveryRecorderDeps {
  history: Pick<HistoryStore, 'record' | 'remove'>;
  modLog: Pick<ModerationLog, 'generation'>;
  spend: Pick<SpendCounter, 'add'>;
  clock: Clock;
  /** Told of each delivery and how long after the interaction it came (metrics). */
  onDelivered?: (lagMs: number) => void;
}

/**
 * What a delivery leaves behind: the history entry (written before the upload, so the image's buttons work
 * at once, and again with its message), the moderation log's post and the server's spend.
 */
export function createDeliveryRecorder({ history, modLog, spend, clock, onDelivered }: DeliveryRecorderDeps): DeliveryRecorder {
  return {
    uploading: (job, together) => history.record(historyEntryFor(job, undefined, clock.now(), together)),
    async delivered(job, delivered, together) {
      const now = clock.now();
      const entry = historyEntryFor(job, delivered, now, together);
      onDelivered?.(now - job.createdAt);
      await history.record(entry);
      void modLog.generation(entry);
      await spend.add(job.guildId, utcDay(now), job.creditsConsumed ?? 0);
    },
    failed: (job) => history.remove(job.id),
  };
}

/**
 * The history entry of a job whose image is about to be uploaded (`delivered` undefined), or was just
 * delivered: then it names the message. `together`: the jobs whose images share its message (a set), in order.
 */
export function historyEntryFor(job: JobIn<'delivering'>, delivered: Delivered | undefined, now: number, together: readonly string[] = [job.id]): HistoryEntry {
  const { prompt, aspect, quality, imageUrls = [], imageSource, style, parents = [], pictureSources, upscaleFactor } = job.request;
  const message = delivered?.message;
  return {
    jobId: job.id,
    guildId: job.guildId,
    channelId: message?.channelId ?? job.channelId,
    ...(message === undefined ? {} : { messageId: message.id }),
    userId: job.userId,
    prompt,
    aspect,
    quality,
    model: upscaleFactor === undefined ? modelFor({ image_urls: job.request.imageUrls }) : TOPAZ_UPSCALE_MODEL,
    inputImageUrls: imageUrls,
    ...(imageSource === undefined ? {} : { inputSource: imageSource }),
    ...(pictureSources === undefined ? {} : { inputSources: pictureSources }),
    ...(style === undefined ? {} : { style }),
    ...(parents.length === 0 ? {} : { parents }),
    resultUrl: job.resultUrl,
    ...(message?.attachmentUrl === undefined ? {} : { imageUrl: message.attachmentUrl }),
    ...(delivered === undefined ? {} : { delivery: delivered.target }),
    ...(job.private === true ? { private: true } : {}),
    createdAt: now,
    ...(upscaleFactor === undefined ? {} : { upscaleFactor }),
    ...(job.set === undefined ? {} : { setSize: job.set.size }),
    ...(together.length > 1 ? { setJobIds: [...together] } : {}),
  };
}
