import type { KieErrorKind, TaskRecord } from './types.js';

export interface KieErrorInit {
  kind: KieErrorKind;
  message: string;
  /** The `code` from KIE's JSON body, when there was one. */
  code?: number | undefined;
  httpStatus?: number | undefined;
  /** Defaults to what the kind implies (see TRANSIENT_KINDS). */
  transient?: boolean | undefined;
  kieMessage?: string | undefined;
  maybeCreated?: boolean | undefined;
  taskId?: string | undefined;
  record?: TaskRecord | undefined;
  cause?: unknown;
}

const TRANSIENT_KINDS: ReadonlySet<KieErrorKind> = new Set<KieErrorKind>([
  'rate_limited',
  'unavailable',
  'server',
  'network',
  'timeout',
]);

export class KieError extends Error {
  override readonly name = 'KieError';
  readonly kind: KieErrorKind;
  /** The `code` from KIE's JSON body, when there was one. */
  readonly code: number | undefined;
  readonly httpStatus: number | undefined;
  /** Trying the same call again later may succeed. */
  readonly transient: boolean;
  /** KIE's own `msg`, truncated and with the API key removed. */
  readonly kieMessage: string | undefined;
  /**
   * createTask only: the request may have reached KIE and created (and billed) a task even though no
   * task id came back. The caller must not submit again silently.
   */
  readonly maybeCreated: boolean;
  readonly taskId: string | undefined;
  /** The last record seen, for task_failed / task_timeout / a success without images. */
  readonly record: TaskRecord | undefined;

  constructor(init: KieErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.transient = init.transient ?? TRANSIENT_KINDS.has(init.kind);
    this.kieMessage = init.kieMessage;
    this.maybeCreated = init.maybeCreated ?? false;
    this.taskId = init.taskId;
    this.record = init.record;
  }

  /** A copy with some fields replaced (errors are immutable). */
  with(changes: Partial<KieErrorInit>): KieError {
    return new KieError({
      kind: this.kind,
      message: this.message,
      code: this.code,
      httpStatus: this.httpStatus,
      transient: this.transient,
      kieMessage: this.kieMessage,
      maybeCreated: this.maybeCreated,
      taskId: this.taskId,
      record: this.record,
      cause: this.cause,
      ...changes,
    });
  }
}

interface Classification {
  kind: KieErrorKind;
  transient: boolean;
}

const FORBIDDEN_MODEL = /not authori[sz]ed to use this model/i;
const RECORD_IS_NULL = /recordInfo is null/i;
// KIE has answered code 500 for plain validation problems ("This field is required"): retrying those is pointless.
const LOOKS_LIKE_VALIDATION =
  /\b(required|invalid|must|not valid|not supported|unsupported|exceeds?|too long|missing|illegal|not allowed)\b/i;

function classification(kind: KieErrorKind, transient = TRANSIENT_KINDS.has(kind)): Classification {
  return { kind, transient };
}

/** What a status means the same way in KIE's body `code` and in a real HTTP status. */
const SHARED_STATUSES: Readonly<Record<number, KieErrorKind>> = {
  401: 'auth',
  403: 'auth',
  402: 'credits',
  404: 'not_found',
  429: 'rate_limited',
};

/** Maps the `code` of KIE's JSON envelope (which usually arrives with HTTP 200) to a kind. */
export function classifyKieCode(code: number, message: string | undefined): Classification {
  const text = message ?? '';
  if (FORBIDDEN_MODEL.test(text)) return classification('forbidden_model');
  const shared = SHARED_STATUSES[code];
  if (shared) return classification(shared);
  switch (code) {
    case 422:
      return classification(RECORD_IS_NULL.test(text) ? 'not_found' : 'validation');
    case 433:
      // The API key's own usage cap (hourly/daily/total) is used up: waiting seconds will not help.
      return classification('rate_limited', false);
    case 455:
      return classification('unavailable');
    case 500:
      return LOOKS_LIKE_VALIDATION.test(text) ? classification('validation') : classification('server');
    case 501:
      return classification('generation_failed');
    case 505:
      return classification('forbidden_model');
    default:
      if (code >= 500 && code < 600) return classification('server');
      if (code >= 400 && code < 500) return classification('validation');
      return classification('bad_response');
  }
}

/** Maps a real HTTP error status when the body carried no usable KIE envelope (gateway pages, proxies). */
export function classifyHttpStatus(status: number): Classification {
  const shared = SHARED_STATUSES[status];
  if (shared) return classification(shared);
  if (status === 408) return classification('timeout');
  if (status === 422) return classification('validation');
  if (status >= 500) return classification('server');
  return classification('bad_response', status >= 200 && status < 300);
}

const MAX_KIE_MESSAGE_LENGTH = 200;

/** Makes KIE's message safe to log and show: one line, bounded, never containing the API key. */
export function sanitizeKieMessage(message: unknown, apiKey: string): string | undefined {
  if (typeof message !== 'string') return undefined;
  let text = message;
  if (apiKey.length > 0) text = text.split(apiKey).join('[redacted]');
  text = text.replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text.length > MAX_KIE_MESSAGE_LENGTH) text = `${text.slice(0, MAX_KIE_MESSAGE_LENGTH - 1)}…`;
  return text.length > 0 ? text : undefined;
}
