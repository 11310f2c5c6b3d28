import type { OutgoingMessage } from '../discord/replies.js';
import { KieError } from '../kie/index.js';
import { messagesFor } from '../messages.js';
import { ImageDownloadError } from './image.js';
import type { JobRecord } from './job.js';
import type { FailureReason } from '../errors.js';

const MAX_DETAIL = 200;

/** What ended a job, as a code; never a stack trace, never a key. */
export function failureReason(error: unknown, jobTimeoutMs: number): FailureReason {
  if (error instanceof ImageDownloadError) return { code: 'image_unavailable' };
  if (!(error instanceof KieError)) return { code: 'unexpected' };
  if (error.maybeCreated) return { code: 'submit_uncertain' };
  switch (error.kind) {
    case 'credits':
      return { code: 'out_of_credits' };
    case 'auth':
    case 'forbidden_model':
      return { code: 'misconfigured' };
    case 'validation':
      return withDetail('prompt_rejected', error.kieMessage);
    case 'rate_limited':
      return { code: 'service_busy' };
    case 'task_failed':
      return withDetail('generation_failed', error.record?.failMsg ?? error.kieMessage);
    case 'generation_failed':
      return withDetail('generation_failed', error.kieMessage);
    case 'task_timeout':
      return { code: 'timed_out', afterMs: jobTimeoutMs };
    case 'bad_response':
      // A task that reported success without a readable image URL: the picture exists but cannot be fetched.
      return { code: error.record?.state === 'success' ? 'image_unavailable' : 'service_unavailable' };
    case 'not_found':
    case 'unavailable':
    case 'server':
    case 'network':
    case 'timeout':
      return { code: 'service_unavailable' };
  }
}

/** The message that tells the member their job failed: in place of the status, or (late) addressed to them. */
export function failureNotice(job: JobRecord, reason: FailureReason, late: boolean): OutgoingMessage {
  return notice(job, messagesFor(job.locale).failure(reason), late);
}

/** The message that tells the member no image of their set could be made, each reason said once. */
export function setFailureNotice(job: JobRecord, reasons: readonly FailureReason[], late: boolean): OutgoingMessage {
  const m = messagesFor(job.locale);
  return notice(job, m.setFailed(reasons.map((reason) => m.failure(reason))), late);
}

function notice(job: JobRecord, sentence: string, late: boolean): OutgoingMessage {
  return {
    content: late ? messagesFor(job.locale).lateFailure(job.userId, sentence) : `⚠️ ${sentence}`,
    embeds: [],
    // A job that failed while it waited must not keep its Cancel button.
    components: [],
    allowedMentions: late ? { users: [job.userId] } : { parse: [] },
  };
}

function withDetail(code: 'prompt_rejected' | 'generation_failed', text: string | null | undefined): FailureReason {
  const plain = detail(text);
  return plain === undefined ? { code } : { code, detail: plain };
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
