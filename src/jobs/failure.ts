import { KieError } from '../kie/index.js';
import { messages } from '../messages.js';
import { ImageDownloadError } from './image.js';

const MAX_DETAIL = 200;

/** One clear sentence for whatever ended a job; never a stack trace, never a key. */
export function failureMessage(error: unknown, jobTimeoutMs: number): string {
  if (error instanceof ImageDownloadError) return messages.imageUnavailable;
  if (!(error instanceof KieError)) return messages.unexpected;
  if (error.maybeCreated) return messages.submitUncertain;
  switch (error.kind) {
    case 'credits':
      return messages.outOfCredits;
    case 'auth':
    case 'forbidden_model':
      return messages.misconfigured;
    case 'validation':
      return messages.promptRejected(detail(error.kieMessage));
    case 'rate_limited':
      return messages.serviceBusy;
    case 'task_failed':
      return messages.generationFailed(detail(error.record?.failMsg ?? error.kieMessage));
    case 'generation_failed':
      return messages.generationFailed(detail(error.kieMessage));
    case 'task_timeout':
      return messages.timedOut(jobTimeoutMs);
    case 'bad_response':
      // A task that reported success without a readable image URL: the picture exists but cannot be fetched.
      return error.record?.state === 'success' ? messages.imageUnavailable : messages.serviceUnavailable;
    case 'not_found':
    case 'unavailable':
    case 'server':
    case 'network':
    case 'timeout':
      return messages.serviceUnavailable;
  }
}

/** KIE's own words are worth showing, but as plain, short, single-line text. */
function detail(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const plain = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/[`*_~|>[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!plain) return undefined;
  if (plain.length <= MAX_DETAIL) return plain;
  const cut = plain.slice(0, MAX_DETAIL - 1);
  // Never leave half of a surrogate pair (an emoji) before the ellipsis.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
