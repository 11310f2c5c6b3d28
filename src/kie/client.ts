import packageJson from '../../package.json' with { type: 'json' };
import { KIE_CREATE_LIMIT, KIE_POLL_LIMIT, DEFAULT_CREATE_MARGIN_MS, DEFAULT_POLL_MARGIN_MS, SlidingWindowBudget } from './budget.js';
import type { RequestBudget } from './budget.js';
import { KieError, classifyHttpStatus, classifyKieCode, sanitizeKieMessage } from './errors.js';
import { isJsonObject, parseTaskRecord } from './record.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import type { Sleep } from '../util/sleep.js';
import { ASPECT_RATIOS, MAX_PROMPT_LENGTH, QUALITIES, SEEDREAM_T2I_MODEL } from './types.js';
import type { KieErrorKind, TaskRecord, TextToImageInput } from './types.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface KieClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  userAgent?: string;
  /** Shared by every createTask attempt; defaults to a private budget at KIE's limit (20 per 10 s). */
  createBudget?: RequestBudget;
  /** Shared by every recordInfo/credit attempt; defaults to a private budget at KIE's limit (10 per 1 s). */
  pollBudget?: RequestBudget;
}

export interface CreateTaskOptions {
  callBackUrl?: string | undefined;
  /** Aborts waiting for the budget or a retry; a request already sent is let finish (it may bill a task). */
  signal?: AbortSignal | undefined;
  onQueuePosition?: ((position: number) => void) | undefined;
  /** Awaited just before each attempt leaves this machine, e.g. to record in a ledger that it may exist. */
  beforeSend?: (() => Promise<void>) | undefined;
}

export interface GetTaskOptions {
  signal?: AbortSignal | undefined;
  onQueuePosition?: ((position: number) => void) | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
export const DEFAULT_USER_AGENT = `imagine-discord-bot/${packageJson.version} (+node)`;

type Operation = 'createTask' | 'getTask' | 'getCredits';

interface Envelope {
  code: number;
  data: unknown;
}

/**
 * How far a failed attempt got: nothing left this machine, the request may have reached KIE without an
 * answer, or KIE (or a gateway in front of it) answered.
 */
type Delivery = 'not_sent' | 'maybe_received' | 'answered';

interface AttemptFailure {
  error: KieError;
  delivery: Delivery;
}

type AttemptResult = { ok: true; envelope: Envelope } | ({ ok: false } & AttemptFailure);

interface HttpRequest {
  operation: Operation;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  budget: RequestBudget;
  signal: AbortSignal | undefined;
  onQueuePosition: ((position: number) => void) | undefined;
  beforeSend?: (() => Promise<void>) | undefined;
  /** Whether aborting the signal also cuts a request in flight (false for createTask). */
  abortInFlight: boolean;
}

/** Error codes that mean the connection was never established, so no byte of the request reached KIE. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

const KIND_TEXT: Record<KieErrorKind, string> = {
  auth: 'the API key was refused',
  credits: 'not enough credits',
  validation: 'the request was rejected as invalid',
  rate_limited: 'rate limited',
  unavailable: 'service unavailable',
  server: 'server error',
  not_found: 'not found',
  network: 'network error',
  timeout: 'no answer in time',
  bad_response: 'unreadable answer',
  forbidden_model: 'the model is not available to this API key',
  generation_failed: 'generation failed',
  task_failed: 'the task failed',
  task_timeout: 'the task did not finish in time',
};

export class KieClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  private readonly requestTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly userAgent: string;
  private readonly createBudget: RequestBudget;
  private readonly pollBudget: RequestBudget;

  constructor(options: KieClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchFn = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.createBudget =
      options.createBudget ?? new SlidingWindowBudget({ ...KIE_CREATE_LIMIT, safetyMarginMs: DEFAULT_CREATE_MARGIN_MS });
    this.pollBudget = options.pollBudget ?? new SlidingWindowBudget({ ...KIE_POLL_LIMIT, safetyMarginMs: DEFAULT_POLL_MARGIN_MS });
  }

  /** Submits one Seedream 4.5 text-to-image task and returns its id. Every successful call is billed. */
  async createTask(input: TextToImageInput, options: CreateTaskOptions = {}): Promise<string> {
    assertValidInput(input, options.callBackUrl);
    const body: Record<string, unknown> = {
      model: SEEDREAM_T2I_MODEL,
      input: { prompt: input.prompt, aspect_ratio: input.aspect_ratio, quality: input.quality },
    };
    if (options.callBackUrl !== undefined) body['callBackUrl'] = options.callBackUrl;
    const request: HttpRequest = {
      operation: 'createTask',
      method: 'POST',
      path: '/api/v1/jobs/createTask',
      body: JSON.stringify(body),
      budget: this.createBudget,
      signal: options.signal,
      onQueuePosition: options.onQueuePosition,
      beforeSend: options.beforeSend,
      // Cutting a create mid-flight would leave a billed task nobody follows; let it answer.
      abortInFlight: false,
    };
    // createTask is not idempotent: KIE has no idempotency key and bills every task it accepts. So it is
    // retried only when KIE cannot have accepted it: a refusal before creating (429 rate limit, 455
    // maintenance), a gateway that could not reach KIE (HTTP 502/503), or a connection that never opened.
    // After a response timeout, a reset mid-request, a 504 or an unreadable 2xx the task may exist: we give
    // up with maybeCreated so the caller can tell the member instead of silently paying twice.
    return this.run(request, createTaskNotAccepted, (envelope) => {
      const taskId = readTaskId(envelope.data);
      if (taskId === undefined) {
        throw this.error({ kind: 'bad_response', operation: 'createTask', code: envelope.code, detail: 'no taskId in the answer' });
      }
      return taskId;
    });
  }

  /** Reads a task's current record (recordInfo). Safe to repeat, so every transient failure is retried. */
  async getTask(taskId: string, options: GetTaskOptions = {}): Promise<TaskRecord> {
    if (taskId.trim() === '') {
      throw new KieError({ kind: 'validation', message: 'KIE getTask: taskId is empty', transient: false });
    }
    const request: HttpRequest = {
      operation: 'getTask',
      method: 'GET',
      path: `/api/v1/jobs/recordInfo?taskId=${encodeURIComponent(taskId)}`,
      budget: this.pollBudget,
      signal: options.signal,
      onQueuePosition: options.onQueuePosition,
      abortInFlight: true,
    };
    return this.run(request, () => true, (envelope) => {
      const record = parseTaskRecord(envelope.data, taskId);
      if (record === undefined) {
        throw this.error({
          kind: 'bad_response',
          transient: true,
          operation: 'getTask',
          code: envelope.code,
          taskId,
          detail: 'no task record in the answer',
        });
      }
      return record;
    });
  }

  /** Remaining account credits (GET /api/v1/chat/credit); counts against the poll budget. */
  async getCredits(options: GetTaskOptions = {}): Promise<number> {
    const request: HttpRequest = {
      operation: 'getCredits',
      method: 'GET',
      path: '/api/v1/chat/credit',
      budget: this.pollBudget,
      signal: options.signal,
      onQueuePosition: options.onQueuePosition,
      abortInFlight: true,
    };
    return this.run(request, () => true, (envelope) => {
      if (typeof envelope.data !== 'number' || !Number.isFinite(envelope.data)) {
        throw this.error({
          kind: 'bad_response',
          transient: true,
          operation: 'getCredits',
          code: envelope.code,
          detail: 'credits is not a number',
        });
      }
      return envelope.data;
    });
  }

  private async run<T>(
    request: HttpRequest,
    mayRetry: (failure: AttemptFailure) => boolean,
    accept: (envelope: Envelope) => T,
  ): Promise<T> {
    const maxAttempts = Math.max(1, this.retry.maxAttempts);
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(request);
      let failure: AttemptFailure;
      if (result.ok) {
        try {
          return accept(result.envelope);
        } catch (error) {
          if (!(error instanceof KieError)) throw error;
          failure = { error, delivery: 'answered' };
        }
      } else {
        failure = result;
      }
      const retry = failure.error.transient && attempt < maxAttempts && mayRetry(failure);
      if (!retry) {
        throw request.operation === 'createTask' && mayHaveCreated(failure) ? failure.error.with({ maybeCreated: true }) : failure.error;
      }
      await this.sleep(this.backoffMs(attempt), request.signal);
    }
  }

  /** Capped exponential backoff with full jitter. */
  private backoffMs(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * cap);
  }

  /** One HTTP exchange. Resolves with the envelope or a classified failure; rejects only when the caller aborts. */
  private async attempt(request: HttpRequest): Promise<AttemptResult> {
    let finished!: () => void;
    const requestOver = new Promise<void>((resolve) => (finished = resolve));
    try {
      await request.budget.acquire({ signal: request.signal, onPosition: request.onQueuePosition, holdUntil: requestOver });
      request.signal?.throwIfAborted();
      await request.beforeSend?.();
      return await this.send(request);
    } finally {
      finished();
    }
  }

  private async send(request: HttpRequest): Promise<AttemptResult> {
    const { signal, operation } = request;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('KIE request timed out'));
    }, this.requestTimeoutMs);
    const forwardAbort = (): void => controller.abort(signal?.reason);
    if (request.abortInFlight) signal?.addEventListener('abort', forwardAbort, { once: true });
    let connected = false;
    try {
      const init: RequestInit = {
        method: request.method,
        headers: {
          Authorization: `Bearer ${this.apiKey}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': this.userAgent,
        },
        signal: controller.signal,
      };
      if (request.body !== undefined) init.body = request.body;
      const response = await this.fetchFn(`${this.baseUrl}${request.path}`, init);
      connected = true;
      const text = await response.text();
      return this.interpret(operation, response.status, text);
    } catch (error) {
      if (request.abortInFlight && signal?.aborted) throw signal.reason;
      if (timedOut) {
        return {
          ok: false,
          delivery: 'maybe_received',
          error: this.error({ kind: 'timeout', operation, detail: `no answer within ${this.requestTimeoutMs} ms`, cause: error }),
        };
      }
      return {
        ok: false,
        delivery: !connected && failedBeforeSending(error) ? 'not_sent' : 'maybe_received',
        error: this.error({ kind: 'network', operation, detail: networkDetail(error), cause: error }),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  /** Body code first (KIE reports errors with HTTP 200), then the HTTP status. */
  private interpret(operation: Operation, httpStatus: number, text: string): AttemptResult {
    const httpOk = httpStatus >= 200 && httpStatus < 300;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const code = isJsonObject(body) ? readCode(body['code']) : undefined;
    const kieMessage = isJsonObject(body) ? sanitizeKieMessage(body['msg'] ?? body['message'], this.apiKey) : undefined;

    if (code === 200 && httpOk && isJsonObject(body)) return { ok: true, envelope: { code, data: body['data'] } };
    if (code !== undefined && code !== 200) {
      const { kind, transient } = classifyKieCode(code, kieMessage);
      return { ok: false, delivery: 'answered', error: this.error({ kind, transient, operation, code, httpStatus, kieMessage }) };
    }
    if (!httpOk) {
      const { kind, transient } = classifyHttpStatus(httpStatus);
      return { ok: false, delivery: 'answered', error: this.error({ kind, transient, operation, httpStatus, kieMessage }) };
    }
    const detail = body === undefined ? 'the body is not JSON' : 'the body is not a KIE envelope';
    return { ok: false, delivery: 'answered', error: this.error({ kind: 'bad_response', transient: true, operation, httpStatus, detail }) };
  }

  private error(details: {
    kind: KieErrorKind;
    operation: Operation;
    transient?: boolean;
    code?: number;
    httpStatus?: number;
    kieMessage?: string | undefined;
    taskId?: string;
    detail?: string;
    cause?: unknown;
  }): KieError {
    const parts = [`KIE ${details.operation}: ${KIND_TEXT[details.kind]}`];
    if (details.code !== undefined) parts.push(` (code ${details.code})`);
    if (details.httpStatus !== undefined && details.httpStatus !== 200) parts.push(` (HTTP ${details.httpStatus})`);
    const explanation = details.kieMessage ?? details.detail;
    if (explanation !== undefined) parts.push(`: ${explanation}`);
    return new KieError({
      kind: details.kind,
      message: parts.join(''),
      code: details.code,
      httpStatus: details.httpStatus,
      transient: details.transient,
      kieMessage: details.kieMessage,
      taskId: details.taskId,
      cause: details.cause,
    });
  }
}

function createTaskNotAccepted(failure: AttemptFailure): boolean {
  if (failure.delivery === 'not_sent') return true;
  if (failure.delivery !== 'answered') return false;
  const { kind, code, httpStatus } = failure.error;
  if (kind === 'rate_limited' || kind === 'unavailable') return true;
  return code === undefined && (httpStatus === 502 || httpStatus === 503);
}

/** Whether a createTask failure leaves open that KIE created (and bills) the task. */
function mayHaveCreated(failure: AttemptFailure): boolean {
  if (failure.delivery === 'maybe_received') return true;
  if (failure.delivery === 'not_sent' || createTaskNotAccepted(failure)) return false;
  const { code, httpStatus } = failure.error;
  // An error envelope means KIE refused (no task); a success envelope we could not read means there is one.
  if (code !== undefined) return code === 200;
  return httpStatus === undefined || httpStatus >= 500 || (httpStatus >= 200 && httpStatus < 300);
}

function readCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{3}$/.test(value.trim())) return Number(value);
  return undefined;
}

function readTaskId(data: unknown): string | undefined {
  if (!isJsonObject(data)) return undefined;
  const taskId = data['taskId'] ?? data['task_id'];
  return typeof taskId === 'string' && taskId.trim() !== '' ? taskId : undefined;
}

function errorCodes(error: unknown, depth = 0): string[] {
  if (depth > 5 || typeof error !== 'object' || error === null) return [];
  const codes: string[] = [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') codes.push(code);
  codes.push(...errorCodes(cause, depth + 1));
  if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodes(inner, depth + 1));
  return codes;
}

function failedBeforeSending(error: unknown): boolean {
  const codes = errorCodes(error);
  return codes.length > 0 && codes.every((code) => NOT_SENT_CODES.has(code));
}

function networkDetail(error: unknown): string {
  const code = errorCodes(error)[0];
  return code ?? 'connection failed';
}

function assertValidInput(input: TextToImageInput, callBackUrl: string | undefined): void {
  const problem = inputProblem(input, callBackUrl);
  if (problem !== undefined) {
    throw new KieError({ kind: 'validation', message: `KIE createTask: ${problem}`, transient: false });
  }
}

/** The same checks KIE applies, done locally so an invalid job never costs a request. */
export function inputProblem(input: TextToImageInput, callBackUrl?: string): string | undefined {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return 'the prompt is empty';
  if (input.prompt.length > MAX_PROMPT_LENGTH) return `the prompt is longer than ${MAX_PROMPT_LENGTH} characters`;
  if (!(ASPECT_RATIOS as readonly string[]).includes(input.aspect_ratio)) return 'aspect_ratio is not supported';
  if (!(QUALITIES as readonly string[]).includes(input.quality)) return 'quality is not supported';
  if (callBackUrl !== undefined && !/^https?:\/\//i.test(callBackUrl)) return 'callBackUrl must be an http(s) URL';
  return undefined;
}
