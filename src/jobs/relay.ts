import { availableParallelism } from 'node:os';
import type { Clock } from '../clock.js';
import { DEFAULT_USER_AGENT } from '../kie/index.js';
import type { Logger } from '../log.js';
import { Semaphore } from '../util/semaphore.js';
import { DeliveryError, type Delivered, type MessageBuilder } from './delivery.js';
import type { FailureReason } from '../errors.js';
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
  /** Runs once the images are ready, just before the upload (the runner stops its progress edits). */
  beforeUpload: () => Promise<void>;
  /** An image of a set whose download failed while others succeeded: it leaves the message (its unit goes back). */
  onLost?: (job: JobIn<'delivering'>, error: unknown) => Promise<FailureReason>;
  /** Why images of the set failed before, said in the message. */
  failures?: readonly FailureReason[];
}

/** One image ready to upload. */
export interface ReadyImage {
  job: JobIn<'delivering'>;
  image: FittedImage;
}

/** What reached the member: the message, and which images are in it. */
export interface Relayed {
  delivered: Delivered;
  images: ReadyImage[];
}

/**
 * Takes succeeded tasks' images from KIE to the member in one message: download, fit to the server's upload
 * limit (shared out between the images), upload.
 */
export class ImageRelay {
  constructor(private readonly deps: ImageRelayDeps) {}

  /** Resolves with the message the images reached the member in. */
  async relay(jobs: readonly JobIn<'delivering'>[], hooks: RelayHooks): Promise<Relayed> {
    const slot = this.deps.imageSlot ?? ((work) => work());
    const queuedAt = this.deps.clock.now();
    return slot(() => this.relayInSlot(jobs, hooks, this.deps.clock.now() - queuedAt));
  }

  private async relayInSlot(jobs: readonly JobIn<'delivering'>[], hooks: RelayHooks, slotWaitMs: number): Promise<Relayed> {
    const { clock } = this.deps;
    const [first] = jobs;
    if (first === undefined) throw new Error('nothing to relay');
    const started = clock.now();
    // Discord's limit is for the whole message: each image gets its share.
    const share = Math.floor(first.attachmentSizeLimit / jobs.length);
    const failures = [...(hooks.failures ?? [])];
    // When the last download ended (with several images, they download side by side).
    let downloaded = started;
    let images = await this.fitAll(jobs, share, hooks, failures, () => (downloaded = clock.now()));
    const fitted = clock.now();
    await hooks.beforeUpload();
    const elapsedMs = clock.now() - first.createdAt;
    const build = (ready: ReadyImage[]): MessageBuilder => (late) => successMessage({ images: ready, elapsedMs, late, failures });
    let delivered: Delivered;
    try {
      delivered = await hooks.send(build(images));
    } catch (error) {
      if (!(error instanceof DeliveryError && error.kind === 'too_large')) throw error;
      // The server's real limit is lower than the interaction said: try once more at half the size.
      const total = images.reduce((sum, { image }) => sum + image.bytes.length, 0);
      const smaller = Math.floor(Math.min(first.attachmentSizeLimit, total) / 2 / images.length);
      images = await this.fitAll(images.map(({ job }) => job), smaller, hooks, failures);
      delivered = await hooks.send(build(images));
    }
    hooks.log.info(
      {
        // One image keeps the log line it always had; a set names each task.
        ...(images.length === 1 ? { taskId: images[0]?.job.taskId } : { taskIds: images.map(({ job }) => job.taskId) }),
        target: delivered.target,
        messageId: delivered.message.id,
        bytes: images.reduce((sum, { image }) => sum + image.bytes.length, 0),
        resized: images.some(({ image }) => image.resized),
        slotWaitMs,
        downloadMs: downloaded - started,
        fitMs: fitted - downloaded,
        uploadMs: clock.now() - fitted,
        totalMs: clock.now() - first.createdAt,
      },
      images.length === 1 ? 'image delivered' : 'images delivered',
    );
    return { delivered, images };
  }

  /**
   * Downloads and fits each image; with several, one whose download fails leaves the set (told through
   * onLost) as long as another succeeded. With one, or when all fail, the first failure is thrown.
   */
  private async fitAll(jobs: readonly JobIn<'delivering'>[], limitBytes: number, hooks: RelayHooks, failures: FailureReason[], onDownloaded = () => {}): Promise<ReadyImage[]> {
    const results = await Promise.allSettled(jobs.map((job) => this.downloadAndFit(job, limitBytes, hooks, onDownloaded)));
    const ready: ReadyImage[] = [];
    const lost: Array<{ job: JobIn<'delivering'>; error: unknown }> = [];
    results.forEach((result, index) => {
      const job = jobs[index] as JobIn<'delivering'>;
      if (result.status === 'fulfilled') ready.push({ job, image: result.value });
      else lost.push({ job, error: result.reason });
    });
    const [firstLost] = lost;
    if (firstLost !== undefined && (ready.length === 0 || hooks.onLost === undefined || hooks.signal.aborted)) throw firstLost.error;
    for (const { job, error } of lost) {
      const reason = await hooks.onLost?.(job, error);
      if (reason !== undefined) failures.push(reason);
    }
    return ready;
  }

  /** Downloads a job's image and fits it to the limit; the downloaded file is deleted either way. */
  private async downloadAndFit(job: JobIn<'delivering'>, limitBytes: number, hooks: RelayHooks, onDownloaded: () => void): Promise<FittedImage> {
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
