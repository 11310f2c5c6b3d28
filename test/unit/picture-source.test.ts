import type { Client } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { currentPictureUrl, expiresSoon, PICTURE_URL_MARGIN_MS, refreshedPictureUrls } from '../../src/interactions/picture-source.js';
import { createLogger } from '../../src/log.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const hexSeconds = (ms: number) => Math.floor(ms / 1000).toString(16);
const cdn = (expiresAt: number) => `https://cdn.discordapp.com/attachments/1/2/cat.png?ex=${hexSeconds(expiresAt)}&is=${hexSeconds(NOW - 1000)}&hm=abc`;
const SOURCE = { channelId: '100', messageId: '200', attachmentId: '300' };
const logger = createLogger({ level: 'silent' });

/** A client whose REST answers GET message with `answer` (or throws it), recording the routes asked for. */
function clientAnswering(answer: unknown): { client: Pick<Client, 'rest'>; routes: string[] } {
  const routes: string[] = [];
  const rest = {
    get: (route: string) => {
      routes.push(route);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return { client: { rest } as unknown as Pick<Client, 'rest'>, routes };
}

describe('expiresSoon: reads the expiry Discord signs into attachment URLs', () => {
  it('is true past or within the margin of `ex`, false before it', () => {
    expect(expiresSoon(cdn(NOW - 1), NOW)).toBe(true);
    expect(expiresSoon(cdn(NOW + PICTURE_URL_MARGIN_MS - 2000), NOW)).toBe(true);
    expect(expiresSoon(cdn(NOW + 60 * 60_000), NOW)).toBe(false);
  });

  it('takes a URL without an expiry (KIE results, other hosts) or with a malformed one as it is', () => {
    expect(expiresSoon('https://tempfile.aiquickdraw.com/r/abc.png', NOW)).toBe(false);
    expect(expiresSoon('https://cdn.discordapp.com/a.png?ex=zz', NOW)).toBe(false);
    expect(expiresSoon('not a url', NOW)).toBe(false);
  });
});

describe('currentPictureUrl', () => {
  it('keeps a URL that still holds, without asking Discord', async () => {
    const { client, routes } = clientAnswering(new Error('must not be asked'));
    const recorded = cdn(NOW + 60 * 60_000);
    expect(await currentPictureUrl(recorded, SOURCE, { client, logger, now: NOW })).toBe(recorded);
    expect(routes).toEqual([]);
  });

  it('reads an expired picture again from its message, by attachment id', async () => {
    const fresh = 'https://cdn.discordapp.com/attachments/100/300/cat.png?ex=fff&is=1&hm=new';
    const { client, routes } = clientAnswering({ id: '200', attachments: [{ id: '299', url: 'https://other' }, { id: '300', url: fresh }] });
    expect(await currentPictureUrl(cdn(NOW - 1), SOURCE, { client, logger, now: NOW })).toBe(fresh);
    expect(routes).toEqual(['/channels/100/messages/200']);
  });

  it('falls back to the recorded URL when the message is gone, out of reach, or lost the picture', async () => {
    const recorded = cdn(NOW - 1);
    for (const answer of [new Error('Unknown Message'), { id: '200', attachments: [] }]) {
      const { client } = clientAnswering(answer);
      expect(await currentPictureUrl(recorded, SOURCE, { client, logger, now: NOW })).toBe(recorded);
    }
  });

  it('has nothing to read again without a source (an attachment option of /imagine)', async () => {
    const { client, routes } = clientAnswering(new Error('must not be asked'));
    expect(await currentPictureUrl(cdn(NOW - 1), undefined, { client, logger, now: NOW })).toBe(cdn(NOW - 1));
    expect(routes).toEqual([]);
  });
});

/** A client whose REST answers POST /attachments/refresh-urls with `answer(body)` (or throws it), recording each body. */
function refresher(answer: (urls: string[]) => unknown): { client: Pick<Client, 'rest'>; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const rest = {
    post: (route: string, { body }: { body: { attachment_urls: string[] } }) => {
      bodies.push({ route, body });
      const result = answer(body.attachment_urls);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  };
  return { client: { rest } as unknown as Pick<Client, 'rest'>, bodies };
}

describe('refreshedPictureUrls', () => {
  const renew = (url: string) => url.replace('hm=abc', 'hm=renewed');
  const expired = [cdn(NOW - 1), cdn(NOW - 2000).replace('cat', 'dog')];

  it('asks Discord only for the expiring pictures that no message holds, and keeps the order', async () => {
    const valid = cdn(NOW + 60 * 60_000).replace('cat', 'owl');
    const { client, bodies } = refresher((urls) => ({ refreshed_urls: [...urls].reverse().map((original) => ({ original, refreshed: renew(original) })) }));
    const urls = [expired[0]!, valid, cdn(NOW - 1).replace('cat', 'bee'), expired[1]!];
    const sources = [undefined, undefined, SOURCE, undefined];
    expect(await refreshedPictureUrls(urls, sources, { client, logger, now: NOW })).toEqual([renew(urls[0]!), valid, urls[2], renew(urls[3]!)]);
    expect(bodies).toEqual([{ route: '/attachments/refresh-urls', body: { attachment_urls: expired } }]);
  });

  it('asks nothing when every picture is still in reach', async () => {
    const { client, bodies } = refresher(() => new Error('must not be asked'));
    expect(await refreshedPictureUrls([cdn(NOW + 60 * 60_000)], [undefined], { client, logger, now: NOW })).toEqual([cdn(NOW + 60 * 60_000)]);
    expect(bodies).toEqual([]);
  });

  it('gives up (undefined) when Discord lacks the route, fails, answers oddly, or leaves a picture out', async () => {
    const answers: Array<(urls: string[]) => unknown> = [
      () => Object.assign(new Error('404: Not Found'), { status: 404 }),
      () => ({ refreshed_urls: 'nope' }),
      (urls) => ({ refreshed_urls: urls.slice(1).map((original) => ({ original, refreshed: renew(original) })) }),
    ];
    for (const answer of answers) {
      const { client } = refresher(answer);
      expect(await refreshedPictureUrls(expired, [undefined, undefined], { client, logger, now: NOW })).toBeUndefined();
    }
  });
});
