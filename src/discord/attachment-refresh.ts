import type { Client } from 'discord.js';
import { z } from 'zod';

/** Discord's limit on URLs in one refresh request. */
export const MAX_REFRESH_URLS = 50;

const refreshAnswerSchema = z.object({
  refreshed_urls: z.array(z.object({ original: z.string(), refreshed: z.url() })),
});

/**
 * Newly signed URLs for Discord attachment URLs, in the same order, from `POST /attachments/refresh-urls`
 * (a route Discord's published OpenAPI leaves out). Throws when Discord refuses, lacks the route, or leaves
 * any URL unrefreshed.
 */
export async function refreshAttachmentUrls(rest: Client['rest'], urls: readonly string[], signal: AbortSignal): Promise<string[]> {
  if (urls.length === 0 || urls.length > MAX_REFRESH_URLS) throw new RangeError(`1 to ${MAX_REFRESH_URLS} URLs per refresh, got ${urls.length}`);
  const answer = refreshAnswerSchema.parse(await rest.post('/attachments/refresh-urls', { body: { attachment_urls: urls }, signal }));
  const refreshed = new Map(answer.refreshed_urls.map(({ original, refreshed: url }) => [original, url]));
  return urls.map((url, index) => {
    const fresh = refreshed.get(url);
    if (fresh === undefined) throw new Error(`Discord did not refresh picture ${index + 1} of ${urls.length}`);
    return fresh;
  });
}
