import { systemClock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sharp } from 'sharp';
import { Agent, request, type Dispatcher } from 'undici';
import { exponentialBackoff, retrying } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import { writeAll } from '../util/write-all.js';
import { DownloadRefusedError, type DownloadGuard } from './download-guard.js';

/**
 * libvips is loaded with the first image rather than at start-up, so an idle bot does not hold it, and set
 * for a bot that decodes each image once: its operation cache would only hold memory, and one thread per
 * image keeps a burst of 4K re-encodes from multiplying memory by the core count.
 */
async function openImage(path: string): Promise<Sharp> {
  const { default: sharp } = await import('sharp');
  sharp.cache(false);
  sharp.concurrency(1);
  return sharp(path);
}

export class ImageDownloadError extends Error {
  override readonly name = 'ImageDownloadError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  /** Which URLs may be fetched, the first and every redirect hop (see download-guard.ts). */
  guard: DownloadGuard;
  timeoutMs?: number;
  maxBytes?: number;
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  userAgent?: string;
  /** Where the file goes (default: the system's temporary folder). */
  dir?: string;
  /**
   * The connection pool of this package's undici (the app shares one across downloads, built with
   * downloadAgent() so that its connections resolve through the guard). Never the global dispatcher.
   */
  dispatcher?: Dispatcher;
}

/**
 * A downloaded image, in a file rather than in memory: libvips decodes it straight from the file, so a 4K
 * PNG (30 MB) never sits in the process's memory, only in the system's page cache. The caller deletes the
 * file with discardDownload() once done with it.
 */
export interface DownloadedImage {
  path: string;
  size: number;
  format: ImageFormat;
}

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

const DEFAULTS = { timeoutMs: 60_000, maxBytes: 64 * 1024 * 1024, attempts: 4 };
const DOWNLOAD_BACKOFF = { baseDelayMs: 500, maxDelayMs: 8_000 };
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A connection pool for downloads whose DNS lookups refuse what the guard refuses. */
export function downloadAgent(guard: DownloadGuard): Agent {
  return new Agent({ connect: { lookup: guard.lookup } });
}

/** Downloads a generated image into a file, checking what it really is; retries transient failures. */
export async function downloadImage(url: string, options: DownloadOptions): Promise<DownloadedImage> {
  if (options.dispatcher === undefined) {
    const dispatcher = downloadAgent(options.guard);
    try {
      return await downloadImage(url, { ...options, dispatcher });
    } finally {
      await dispatcher.close();
    }
  }
  const attempts = options.attempts ?? DEFAULTS.attempts;
  return retrying(
    async () => {
      try {
        return await downloadOnce(url, options);
      } catch (error) {
        throw error instanceof ImageDownloadError ? error : new ImageDownloadError(describe(error), refusedByGuard(error));
      }
    },
    {
      next: (error, attempt) =>
        (error as ImageDownloadError).permanent || options.signal?.aborted || attempt >= attempts ? undefined : exponentialBackoff(DOWNLOAD_BACKOFF, attempt),
      sleep: (ms) => (options.sleep ?? defaultSleep)(ms),
    },
  );
}

/**
 * undici's own `request` rather than `fetch`: a 12 MB image arrives as a few hundred chunks, and fetch's web
 * streams cost about 80 ms of main-thread CPU per 4K image where Node streams cost a tenth of that.
 */
async function downloadOnce(url: string, options: DownloadOptions): Promise<DownloadedImage> {
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULTS.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const response = await requestFollowingRedirects(url, options, signal);
  const { statusCode, body } = response;
  if (statusCode < 200 || statusCode > 299) {
    await drainBody(body);
    // 404/410/403: the file is gone or never existed; retrying will not help.
    const permanent = statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429;
    throw new ImageDownloadError(`HTTP ${statusCode}`, permanent);
  }
  const declared = Number(headerOf(response.headers, 'content-length') ?? NaN);
  if (declared > maxBytes) {
    await drainBody(body);
    throw new ImageDownloadError(`image is ${declared} bytes, over the ${maxBytes} byte cap`, true);
  }
  const path = join(options.dir ?? tmpdir(), `${DOWNLOAD_PREFIX}${randomUUID()}${DOWNLOAD_SUFFIX}`);
  try {
    const { size, head } = await writeCapped(body, path, maxBytes);
    const format = sniffImageFormat(head);
    if (!format) {
      const type = headerOf(response.headers, 'content-type') ?? 'unknown';
      throw new ImageDownloadError(`not an image (content-type ${type})`, true);
    }
    return { path, size, format };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/** Follows redirects by hand, so that the guard sees every hop before anything connects to it. */
async function requestFollowingRedirects(url: string, options: DownloadOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  let current = parseUrl(url);
  for (let hop = 0; ; hop += 1) {
    try {
      await options.guard.check(current);
    } catch (error) {
      if (error instanceof DownloadRefusedError) throw new ImageDownloadError(error.message, true);
      throw error;
    }
    const response = await request(current, {
      signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      maxRedirections: 0,
      headers: { accept: 'image/*', 'user-agent': options.userAgent ?? 'imagine-discord-bot' },
    });
    const location = headerOf(response.headers, 'location');
    if (!REDIRECT_STATUSES.has(response.statusCode) || location === undefined) return response;
    await drainBody(response.body);
    if (hop >= MAX_REDIRECTS) throw new ImageDownloadError(`more than ${MAX_REDIRECTS} redirects`, true);
    current = parseUrl(location, current);
  }
}

function parseUrl(url: string, base?: URL): URL {
  try {
    return new URL(url, base);
  } catch {
    throw new ImageDownloadError('not a valid URL', true);
  }
}

/** The connection's own lookup refused a private address (see download-guard.ts). */
function refusedByGuard(error: unknown): boolean {
  for (let inner: unknown = error; inner instanceof Error; inner = inner.cause) if (inner instanceof DownloadRefusedError) return true;
  return false;
}

/** Deletes a downloaded image's file. */
export async function discardDownload(image: DownloadedImage): Promise<void> {
  await rm(image.path, { force: true });
}

const DOWNLOAD_PREFIX = 'imagine-';
const DOWNLOAD_SUFFIX = '.download';

/**
 * Deletes downloads a killed process left behind. Only files older than `olderThanMs` go: other bot
 * processes may share the folder, and a download of theirs lasts seconds, not hours. Returns how many.
 */
export async function sweepStaleDownloads(dir: string = tmpdir(), olderThanMs = 60 * 60_000, now = systemClock.now()): Promise<number> {
  let swept = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(DOWNLOAD_PREFIX) || !name.endsWith(DOWNLOAD_SUFFIX)) continue;
    const path = join(dir, name);
    const modified = await stat(path).then((info) => info.mtimeMs, () => now);
    if (now - modified < olderThanMs) continue;
    await rm(path, { force: true });
    swept += 1;
  }
  return swept;
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a little of an unwanted body so the connection can be reused, and drops the rest. */
async function drainBody(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

/** Longest signature sniffImageFormat reads. */
const SIGNATURE_BYTES = 12;

/**
 * Bytes gathered before each write. A 4K PNG arrives in about 450 socket reads; one writev per MiB instead of
 * a write per read takes two fifths off the download's CPU (measured: 34–38 ms against 60–64 ms for 29 MiB).
 */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** A host that drips its bytes in tiny reads must not pile up thousands of Buffers before a write. */
const WRITE_BATCH_CHUNKS = 256;

/** Streams a body into a file, stopping at the cap; keeps the first bytes to check what the file is. */
async function writeCapped(body: Dispatcher.ResponseData['body'], path: string, maxBytes: number): Promise<{ size: number; head: Buffer }> {
  const file = await open(path, 'w');
  let size = 0;
  let head = Buffer.alloc(0);
  let batch: Buffer[] = [];
  let batchBytes = 0;
  try {
    // Leaving the loop early (cap, abort, failed write) destroys the body, which frees the connection.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new ImageDownloadError(`image exceeds the ${maxBytes} byte cap`, true);
      if (head.length < SIGNATURE_BYTES) head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_CHUNKS) {
        await writeAll(file, batch);
        batch = [];
        batchBytes = 0;
      }
    }
    await writeAll(file, batch);
  } finally {
    await file.close();
  }
  return { size, head };
}

/** Trusts the bytes, not the content-type header: result hosts are not always precise about it. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && bytes.toString('ascii', 0, 3) === 'GIF') return 'gif';
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'download timed out';
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}

export interface FittedImage {
  bytes: Buffer;
  format: ImageFormat;
  resized: boolean;
  width: number | undefined;
  height: number | undefined;
}

// Multipart framing and the JSON payload share the request with the file.
const UPLOAD_HEADROOM_BYTES = 64 * 1024;

/**
 * Returns the image unchanged when it fits the upload limit, otherwise a high-quality JPEG that does:
 * quality is lowered first, then the size, so a 4K PNG keeps as much detail as the limit allows.
 */
export async function fitToUploadLimit(image: DownloadedImage, limitBytes: number): Promise<FittedImage> {
  const budget = Math.max(256 * 1024, limitBytes - UPLOAD_HEADROOM_BYTES);
  const metadata = await (await openImage(image.path)).metadata();
  if (image.size <= budget) {
    return { bytes: await readFile(image.path), format: image.format, resized: false, width: metadata.width, height: metadata.height };
  }
  const width = metadata.width ?? 4096;
  for (const scale of [1, 0.75, 0.5, 0.35, 0.25]) {
    for (const quality of [90, 82, 72]) {
      const encoder = (await openImage(image.path)).flatten({ background: '#ffffff' });
      if (scale < 1) encoder.resize({ width: Math.round(width * scale) });
      // Huffman-table optimisation (two passes in libvips' mozjpeg) saves under 10 % of the bytes for four
      // times the CPU; a relay's cost is mostly this encode, so one pass it is.
      const { data, info } = await encoder.jpeg({ quality, optimiseCoding: false }).toBuffer({ resolveWithObject: true });
      if (data.length <= budget) return { bytes: data, format: 'jpeg', resized: true, width: info.width, height: info.height };
    }
  }
  throw new ImageDownloadError(`image cannot be made to fit ${limitBytes} bytes`, true);
}
