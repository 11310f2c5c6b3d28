import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownloadGuard, DownloadRefusedError, isPrivateAddress } from '../../src/jobs/download-guard.js';
import { downloadImage, ImageDownloadError } from '../../src/jobs/image.js';
import { rejectionOf } from '../helpers/rejection.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::10.0.0.1', '64:ff9b::c0a8:101',
    '[::1]', 'not an address',
  ])('%s is not public', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '104.16.0.1', '2606:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('createDownloadGuard', () => {
  const resolved: Record<string, string[]> = {
    'cdn.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
    'inside.example.com': ['::ffff:192.168.0.10'],
  };
  const guard = createDownloadGuard({ trustedUrl: 'http://127.0.0.1:4000', resolve: async (host) => resolved[host] ?? [] });
  const refused = async (url: string) => expect(await rejectionOf(guard.check(new URL(url)), DownloadRefusedError)).toBeInstanceOf(DownloadRefusedError);

  it("trusts KIE's own origin, whatever its scheme and address", async () => {
    await guard.check(new URL('http://127.0.0.1:4000/files/x.png'));
  });

  it('allows https hosts that resolve only to public addresses', async () => {
    await guard.check(new URL('https://cdn.example.com/a.png'));
    await guard.check(new URL('https://8.8.8.8/a.png'));
  });

  it('refuses plain http outside the origin, other ports of the origin host, and any non-public address', async () => {
    await refused('http://cdn.example.com/a.png');
    await refused('http://127.0.0.1:4001/a.png');
    await refused('https://127.0.0.1:4000/a.png');
    await refused('https://10.0.0.1/a.png');
    await refused('https://[::1]/a.png');
    await refused('https://[::ffff:127.0.0.1]/a.png');
    await refused('https://[fd00::5]/a.png');
    await refused('https://rebind.example.com/a.png');
    await refused('https://inside.example.com/a.png');
    await refused('https://nowhere.example.com/a.png');
    await refused('ftp://cdn.example.com/a.png');
  });

  it("the connections' own lookup refuses a host that resolves to loopback", async () => {
    const error = await new Promise<Error | null>((resolve) => guard.lookup('localhost', { all: true }, (e) => resolve(e)));
    expect(error).toBeInstanceOf(DownloadRefusedError);
  });
});

describe('downloads follow redirects only where the guard allows', () => {
  let origin: Server;
  let trap: Server;
  let base: string;
  let trapPort: number;
  let dir: TempDir;
  const trapHits: string[] = [];

  const targets: Record<string, () => string> = {
    '/to-trap-http': () => `http://127.0.0.1:${trapPort}/x.png`,
    '/to-trap-https': () => `https://127.0.0.1:${trapPort}/x.png`,
    '/to-mapped': () => `https://[::ffff:127.0.0.1]:${trapPort}/x.png`,
    '/to-localhost': () => `https://localhost:${trapPort}/x.png`,
    '/to-private': () => 'https://10.255.255.1/x.png',
    '/to-metadata': () => 'http://169.254.169.254/latest/meta-data/',
    '/to-http-elsewhere': () => 'http://example.com/x.png',
    '/loop': () => '/loop',
  };

  beforeAll(async () => {
    dir = await createTempDir();
    trap = createServer((req, res) => {
      trapHits.push(req.url ?? '');
      res.end('caught');
    });
    trap.listen(0, '127.0.0.1');
    await once(trap, 'listening');
    trapPort = (trap.address() as AddressInfo).port;
    origin = createServer((req, res) => {
      const target = targets[req.url ?? ''];
      res.writeHead(target ? 302 : 404, target ? { location: target() } : {});
      res.end();
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const server of [origin, trap]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await dir.remove();
  });

  it.each(Object.keys(targets))('%s fails for good and reaches nothing', async (path) => {
    const started = Date.now();
    const error = await rejectionOf(
      downloadImage(`${base}${path}`, { guard: createDownloadGuard({ trustedUrl: base }), dir: dir.path, attempts: 3, sleep: async () => {} }),
      ImageDownloadError,
    );
    expect(error.permanent).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(trapHits).toEqual([]);
  });

  it('refuses a first URL outside the rules before connecting', async () => {
    const error = await rejectionOf(
      downloadImage(`http://127.0.0.1:${trapPort}/x.png`, { guard: createDownloadGuard({ trustedUrl: base }), dir: dir.path, sleep: async () => {} }),
      ImageDownloadError,
    );
    expect(error.permanent).toBe(true);
    expect(trapHits).toEqual([]);
  });
});
