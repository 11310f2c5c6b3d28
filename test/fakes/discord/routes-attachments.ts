/**
 * `POST /attachments/refresh-urls`: fresh signed URLs for attachment URLs, expired ones included. Real Discord
 * has this route but its published OpenAPI (spec/openapi.json) leaves it out, so the spec check finds no schema
 * for it: the route holds the body to its own rules here. Every other route stays held to the spec.
 */
import { FormErrors } from './errors.js';
import { isRecord } from './json.js';
import type { Route } from './router.js';
import type { DiscordState } from './state.js';
import type { FakeAttachment } from './types.js';

/** Discord's limit on URLs per request. */
const MAX_URLS = 50;

export function attachmentRoutes(state: DiscordState): Route[] {
  /** The attachment and its channel, if `url` is a CDN URL this fake handed out (signed, expired or not). */
  const issued = (url: string): { channelId: string; attachment: FakeAttachment } | undefined => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.origin !== state.origin || !['ex', 'is', 'hm'].every((name) => parsed.searchParams.has(name))) return undefined;
    const [root, channelId = '', attachmentId = '', filename, ...rest] = parsed.pathname.split('/').filter(Boolean);
    const attachment = state.findAttachment(channelId, attachmentId);
    if (root !== 'attachments' || rest.length > 0 || !attachment || filename !== encodeURIComponent(attachment.filename)) return undefined;
    return { channelId, attachment };
  };

  return [
    {
      method: 'POST',
      pattern: '/attachments/refresh-urls',
      auth: true,
      handle: (req) => {
        const errors = new FormErrors();
        const urls = isRecord(req.body.json) ? req.body.json['attachment_urls'] : undefined;
        if (urls === undefined) errors.add(['attachment_urls'], 'BASE_TYPE_REQUIRED', 'This field is required');
        else if (!Array.isArray(urls)) errors.add(['attachment_urls'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
        else if (urls.length < 1 || urls.length > MAX_URLS) errors.add(['attachment_urls'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${MAX_URLS} in length.`);
        else {
          for (const [index, url] of urls.entries()) {
            if (typeof url !== 'string') errors.add(['attachment_urls', index], 'BASE_TYPE_STRING', 'Must be a string.');
            else if (issued(url) === undefined) errors.add(['attachment_urls', index], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
          }
        }
        errors.throwIfAny();
        const refreshed = (urls as string[]).map((original) => {
          const { channelId, attachment } = issued(original)!;
          return { original, refreshed: state.attachmentUrl(channelId, attachment) };
        });
        return { status: 200, body: { refreshed_urls: refreshed } };
      },
    },
  ];
}
