import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  discardDownload,
  downloadImage,
  fitToUploadLimit,
  ImageDownloadError,
  sniffImageFormat,
  sweepStaleDownloads,
  type DownloadedImage,
  type DownloadOptions,
} from '../../src/jobs/image.js';
import { createDownloadGuard } from '../../src/jobs/download-guard.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { rejectionOf } from '../helpers/rejection.js';

const solid = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 32, height = 24) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .toFormat(format)
    .toBuffer();

const expectDownloadError = (promise: Promise<unknown>) => rejectionOf(promise, ImageDownloadError);

let dir: TempDir;

beforeAll(async () => {
  dir = await createTempDir('imagine-image-test');
});

afterAll(async () => {
  await dir.remove();
});

/** What a download leaves behind: the bytes in a file of the test's folder. */
async function downloaded(bytes: Buffer): Promise<DownloadedImage> {
  const path = dir.file(randomUUID());
  await writeFile(path, bytes);
  return { path, size: bytes.length, format: sniffImageFormat(bytes)! };
}

describe('sniffImageFormat', () => {
  it('recognises PNG, JPEG, WebP and GIF by their bytes', async () => {
    expect(sniffImageFormat(await solid('png'))).toBe('png');
    expect(sniffImageFormat(await solid('jpeg'))).toBe('jpeg');
    expect(sniffImageFormat(await solid('webp'))).toBe('webp');
    expect(sniffImageFormat(await solid('gif'))).toBe('gif');
  });

  it('rejects anything else, including truncated signatures', () => {
    expect(sniffImageFormat(Buffer.from('<!doctype html><html><body>Not found</body></html>'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('{"code":404}'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.alloc(0))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('GIF'))).toBeUndefined();
  });
});

describe('downloadImage', () => {
  let server: Server;
  let base: string;
  let png: Buffer;
  const hits = new Map<string, number>();

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, hit: number) => void> = {
    '/image.png': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png);
    },
    '/moved': (_req, res) => {
      res.writeHead(302, { location: '/image.png' });
      res.end();
    },
    '/mislabelled': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(png);
    },
    '/html': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Login</title>');
    },
    '/missing': (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    },
    '/flaky': (_req, res, hit) => {
      if (hit <= 2) {
        res.writeHead(500);
        res.end('upstream error');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    },
    '/always-500': (_req, res) => {
      res.writeHead(503);
      res.end();
    },
    '/rate-limited': (_req, res, hit) => {
      if (hit === 1) {
        res.writeHead(429);
        res.end();
        return;
      }
      res.writeHead(200);
      res.end(png);
    },
    '/huge-declared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': 50_000_000 });
      // Send a little and keep the socket open: the client must give up on the header alone.
      res.write(png.subarray(0, 8));
    },
    '/huge-chunked': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png);
      res.write(Buffer.alloc(4096));
      res.end(Buffer.alloc(4096));
    },
    '/slow': () => {
      // Never answers; the client's timeout must fire.
    },
  };

  beforeAll(async () => {
    png = await solid('png', 64, 64);
    server = createServer((req, res) => {
      const path = req.url ?? '';
      const hit = (hits.get(path) ?? 0) + 1;
      hits.set(path, hit);
      const route = routes[path];
      if (!route) {
        res.writeHead(418);
        res.end();
        return;
      }
      route(req, res, hit);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => hits.clear());

  // Every download is discarded by its test; whatever failed must not have left a file either.
  afterEach(async () => {
    expect(await readdir(dir.path)).toEqual([]);
  });

  const noSleep = async () => {};
  const download = (path: string, options: Partial<DownloadOptions> = {}) =>
    downloadImage(`${base}${path}`, { guard: createDownloadGuard({ trustedUrl: base }), sleep: noSleep, dir: dir.path, ...options });

  /** Reads a downloaded file, then deletes it as the job runner does. */
  async function contents(image: DownloadedImage): Promise<Buffer> {
    const bytes = await readFile(image.path);
    expect(image.size).toBe(bytes.length);
    await discardDownload(image);
    return bytes;
  }

  it('follows a redirect from the result host', async () => {
    const image = await download('/moved');
    expect((await contents(image)).equals(png)).toBe(true);
    expect(hits.get('/image.png')).toBe(1);
  });

  it('downloads a PNG', async () => {
    const image = await download('/image.png');
    expect(image.format).toBe('png');
    expect((await contents(image)).equals(png)).toBe(true);
    expect(hits.get('/image.png')).toBe(1);
  });

  it('trusts the bytes over the content-type header', async () => {
    const image = await download('/mislabelled');
    expect(image.format).toBe('png');
    expect((await contents(image)).equals(png)).toBe(true);
  });

  it('refuses an HTML page served with 200 as permanent, without retrying', async () => {
    const error = await expectDownloadError(download('/html'));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('text/html');
    expect(hits.get('/html')).toBe(1);
  });

  it('gives up on a 404 at once', async () => {
    const error = await expectDownloadError(download('/missing', { attempts: 4 }));
    expect(error.permanent).toBe(true);
    expect(error.message).toBe('HTTP 404');
    expect(hits.get('/missing')).toBe(1);
  });

  it('retries server errors and succeeds on the third attempt, backing off in between', async () => {
    const waits: number[] = [];
    const image = await download('/flaky', {
      attempts: 4,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect((await contents(image)).equals(png)).toBe(true);
    expect(hits.get('/flaky')).toBe(3);
    expect(waits).toEqual([500, 1000]);
  });

  it('retries a 429', async () => {
    const image = await download('/rate-limited');
    expect((await contents(image)).equals(png)).toBe(true);
    expect(hits.get('/rate-limited')).toBe(2);
  });

  it('reports a transient failure after the last attempt', async () => {
    const error = await expectDownloadError(download('/always-500', { attempts: 3 }));
    expect(error.permanent).toBe(false);
    expect(error.message).toBe('HTTP 503');
    expect(hits.get('/always-500')).toBe(3);
  });

  it('refuses a declared size over the cap without reading the body', async () => {
    const error = await expectDownloadError(download('/huge-declared', { maxBytes: 1_000_000 }));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('50000000');
    expect(hits.get('/huge-declared')).toBe(1);
  });

  it('stops reading a body that grows past the cap', async () => {
    const error = await expectDownloadError(download('/huge-chunked', { maxBytes: png.length + 1000 }));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('cap');
    expect(hits.get('/huge-chunked')).toBe(1);
  });

  it('times out a silent server and retries it', async () => {
    const started = Date.now();
    const error = await expectDownloadError(download('/slow', { timeoutMs: 150, attempts: 2 }));
    expect(error.permanent).toBe(false);
    expect(error.message).toBe('download timed out');
    expect(hits.get('/slow')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops retrying once the caller aborts', async () => {
    const controller = new AbortController();
    const downloading = download('/slow', { timeoutMs: 10_000, attempts: 4, signal: controller.signal });
    // Aborted once the first attempt has reached the server (a fixed delay can come first on a loaded machine).
    await expect.poll(() => hits.get('/slow'), { timeout: 5_000, interval: 10 }).toBe(1);
    controller.abort();
    const error = await expectDownloadError(downloading);
    expect(error.permanent).toBe(false);
    expect(hits.get('/slow')).toBe(1);
  });

  it('treats a refused connection as transient', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await expectDownloadError(downloadImage(`http://127.0.0.1:${port}/x.png`, {
        guard: createDownloadGuard({ trustedUrl: `http://127.0.0.1:${port}` }),
        attempts: 2,
        sleep: noSleep,
        dir: dir.path,
      }),);
    expect(error.permanent).toBe(false);
  });
});

describe('fitToUploadLimit', () => {
  it('returns a small image byte for byte', async () => {
    const bytes = await solid('png', 320, 200);
    const fitted = await fitToUploadLimit(await downloaded(bytes), 10 * 1024 * 1024);
    expect(fitted.bytes.equals(bytes)).toBe(true);
    expect(fitted).toMatchObject({ format: 'png', resized: false, width: 320, height: 200 });
  });

  it('re-encodes a large noisy PNG as a JPEG under the limit minus the headroom', async () => {
    const side = 1500;
    const raw = randomBytes(side * side * 3);
    const bytes = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const limit = 1024 * 1024;
    expect(bytes.length).toBeGreaterThan(limit);

    const fitted = await fitToUploadLimit(await downloaded(bytes), limit);
    expect(fitted.format).toBe('jpeg');
    expect(fitted.resized).toBe(true);
    expect(sniffImageFormat(fitted.bytes)).toBe('jpeg');
    expect(fitted.bytes.length).toBeLessThanOrEqual(limit - 64 * 1024);
    const metadata = await sharp(fitted.bytes).metadata();
    expect(metadata.width).toBe(fitted.width);
    expect(metadata.height).toBe(fitted.height);
    expect(fitted.width).toBeGreaterThan(200);
    expect(fitted.width).toBeLessThanOrEqual(side);
    expect(fitted.height).toBe(fitted.width);
  });

  it('keeps the aspect ratio when it has to shrink', async () => {
    const width = 1000;
    const height = 500;
    const bytes = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const limit = 320 * 1024;
    const fitted = await fitToUploadLimit(await downloaded(bytes), limit);
    expect(fitted.resized).toBe(true);
    expect(fitted.bytes.length).toBeLessThanOrEqual(limit - 64 * 1024);
    expect(fitted.width ?? 0).toBeLessThan(width);
    expect(Math.abs((fitted.width ?? 0) / (fitted.height ?? 1) - width / height)).toBeLessThan(0.01);
  });
});

describe('sweepStaleDownloads', () => {
  it('deletes only downloads older than the limit, and nothing that is not a download', async () => {
    const folder = await createTempDir('imagine-sweep-test');
    try {
      const now = Date.now();
      const twoHoursAgo = new Date(now - 2 * 60 * 60_000);
      const files = {
        stale: 'imagine-0f9e.download',
        fresh: 'imagine-1a2b.download',
        otherSuffix: 'imagine-3c4d.sqlite',
        otherPrefix: 'photo.download',
      };
      for (const name of Object.values(files)) await writeFile(folder.file(name), 'x');
      for (const name of [files.stale, files.otherSuffix, files.otherPrefix]) await utimes(folder.file(name), twoHoursAgo, twoHoursAgo);

      expect(await sweepStaleDownloads(folder.path, 60 * 60_000, now)).toBe(1);
      expect((await readdir(folder.path)).sort()).toEqual([files.fresh, files.otherSuffix, files.otherPrefix].sort());
    } finally {
      await folder.remove();
    }
  });
});
