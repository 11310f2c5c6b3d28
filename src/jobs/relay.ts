import { availableParallelism } from 'node:os';
import type { Clock } from '../clock.js';
import { DEFAULT_USER_AGENT } from '../kie/index.js';
import type { Logger } from '../log.js';
import { Semaphore } from '../util/semaphore.js';
import { DeliveryError, type Delivered, type MessageBuilder } from './delivery.js';
import { createDownloadGuard } from './download-guard.js';
import { discardDownload, downloadAgent, downloadImage, fitToUploadLimit, type DownloadedImage, type FittedImage } from './image.js';
import type { JobIn } from './job.js';
import { successMessage } from './result-message.js';

export interface ImageRelayDeps {
  download: (url: string, signal: AbortSignal) => Promise<DownloadedImage>;
  fit: (image: DownloadedImage, limitBytes: number) => Promise<FittedImage>;
  /** Deletes a downloaded image once it has been fitted. */
  discard: (image: DownloadedImage) => Promise<void>;
  /**
   * Runs a job's image work (download, re-encode, upload) in one of a few slots, so the number of large
   * images held in memory is bounded however many jobs finish at once. Default: no bound.
   */
  imageSlot?: <T>(work: () => Promise<T>) => Promise<T>;
  clock: Clock;
}

export interface RelayHooks {
  signal: AbortSignal;
  log: Logger;
  /** Sends the finished message to the member (with the runner's retries). */
  send: (build: MessageBuilder) => Promise<Delivered>;
  /** Runs once the image is ready, just before the upload (the runner stops its progress edits). */
  beforeUpload: () => Promise<void>;
}

/** Takes a succeeded task's image from KIE to the member: download, fit to the server's upload limit, upload. */
export class ImageRelay {
  constructor(private readonly deps: ImageRelayDeps) {}

  /** Resolves with the message the image reached the member in. */
  async relay(job: JobIn<'delivering'>, hooks: RelayHooks): Promise<Delivered> {
    const slot = this.deps.imageSlot ?? ((work) => work());
    const queuedAt = this.deps.clock.now();
    return slot(() => this.relayInSlot(job, hooks, this.deps.clock.now() - queuedAt));
  }

  private async relayInSlot(job: JobIn<'delivering'>, hooks: RelayHooks, slotWaitMs: number): Promise<Delivered> {
    const { clock } = this.deps;
    const started = clock.now();
    let downloaded = started;
    // The downloaded original is not kept during the upload (a 4K PNG is about 30 MB): in the rare case that
    // Discord refuses the size, it is downloaded again.
    let image = await this.downloadAndFit(job, job.attachmentSizeLimit, hooks, () => (downloaded = clock.now()));
    const fitted = clock.now();
    await hooks.beforeUpload();
    const elapsedMs = clock.now() - job.createdAt;
    let delivered: Delivered;
    try {
      delivered = await hooks.send((late) => successMessage({ job, image, elapsedMs, late }));
    } catch (error) {
      if (!(error instanceof DeliveryError && error.kind === 'too_large')) throw error;
      // The server's real limit is lower than the interaction said: try once more at half the size.
      const smaller = Math.floor(Math.min(job.attachmentSizeLimit, image.bytes.length) / 2);
      image = await this.downloadAndFit(job, smaller, hooks);
      delivered = await hooks.send((late) => successMessage({ job, image, elapsedMs, late }));
    }
    const timings = { slotWaitMs, downloadMs: downloaded - started, fitMs: fitted - downloaded, uploadMs: clock.now() - fitted };
    hooks.log.info(
      { taskId: job.taskId, target: delivered.target, messageId: delivered.message.id, bytes: image.bytes.length, resized: image.resized, ...timings, totalMs: clock.now() - job.createdAt },
      'image delivered',
    );
    return delivered;
  }

  /** Downloads the job's image and fits it to the limit; the downloaded file is deleted either way. */
  private async downloadAndFit(job: JobIn<'delivering'>, limitBytes: number, hooks: RelayHooks, onDownloaded = () => {}): Promise<FittedImage> {
    const downloaded = await this.deps.download(job.resultUrl, hooks.signal).finally(onDownloaded);
    try {
      return await this.deps.fit(downloaded, limitBytes);
    } finally {
      await this.deps
        .discard(downloaded)
        .catch((error: unknown) => hooks.log.warn({ err: error, path: downloaded.path }, 'could not delete a downloaded image'));
    }
  }
}

export interface KieImageRelayOptions {
  /** KIE's API origin: results come from it or a public https host, never from inside the bot's network. */
  trustedUrl: string;
  /** Where downloaded images wait for their re-encode (default: the system's temporary folder). */
  downloadDir?: string | undefined;
  /** How many relays run at once (default: one per core, 2 to 4): bounds memory when many 4K images finish together. */
  slots?: number | undefined;
  clock: Clock;
}

/** The bot's relay of KIE's results, and the closing of its download connections. */
export function createKieImageRelay({ trustedUrl, downloadDir, slots = defaultImageSlots(), clock }: KieImageRelayOptions): { relay: ImageRelay; close: () => Promise<void> } {
  const guard = createDownloadGuard({ trustedUrl });
  const dispatcher = downloadAgent(guard);
  const images = new Semaphore(slots);
  const relay = new ImageRelay({
    download: (url, signal) => downloadImage(url, { guard, signal, dispatcher, userAgent: DEFAULT_USER_AGENT, ...(downloadDir ? { dir: downloadDir } : {}) }),
    fit: fitToUploadLimit,
    discard: discardDownload,
    imageSlot: (work) => images.run(work),
    clock,
  });
  return { relay, close: () => dispatcher.close() };
}

/**
 * Image relays run in parallel with one per core, at least two so that one relay's upload (network wait)
 * overlaps another's re-encode (CPU); each 4K relay holds 30–50 MB, so more slots would only add memory.
 */
function defaultImageSlots(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}
