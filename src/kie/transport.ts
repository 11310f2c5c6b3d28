import type { RequestBudget } from './budget.js';
import type { Claimant } from './fair-order.js';
import { KieError, classifyHttpStatus, classifyKieCode, sanitizeKieMessage } from './errors.js';
import { isJsonObject } from './record.js';
import type { KieErrorKind } from './types.js';

export type KieOperation = 'createTask' | 'getTask' | 'getCredits';

export interface Envelope {
  code: number;
  data: unknown;
}

/**
 * How far a failed exchange got: nothing left this machine, the request may have reached KIE without an
 * answer, or KIE (or a gateway in front of it) answered.
 */
export type Delivery = 'not_sent' | 'maybe_received' | 'answered';

export interface ExchangeFailure {
  error: KieError;
  delivery: Delivery;
}

export type ExchangeResult = { ok: true; envelope: Envelope } | ({ ok: false } & ExchangeFailure);

export interface KieRequest {
  operation: KieOperation;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  budget: RequestBudget;
  signal: AbortSignal | undefined;
  onQueuePosition: ((position: number, etaMs?: number) => void) | undefined;
  /** Whose request it is, for a fair budget. */
  claimant?: Claimant | undefined;
  beforeSend?: (() => Promise<void>) | undefined;
  /** Whether aborting the signal also cuts a request in flight (false for createTask). */
  abortInFlight: boolean;
}

export interface KieTransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  requestTimeoutMs: number;
  userAgent: string;
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

/**
 * One HTTP exchange with KIE per call, never retried here: the request budget, the auth header, the
 * timeout, and the answer classified into an envelope or a KieError with how far the request got.
 */
export class KieTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: KieTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Resolves with the envelope or a classified failure; rejects only when the caller aborts. */
  async exchange(request: KieRequest): Promise<ExchangeResult> {
    let finished!: () => void;
    const requestOver = new Promise<void>((resolve) => (finished = resolve));
    try {
      await request.budget.acquire({ signal: request.signal, onPosition: request.onQueuePosition, holdUntil: requestOver, claimant: request.claimant });
      request.signal?.throwIfAborted();
      await request.beforeSend?.();
      return await this.send(request);
    } finally {
      finished();
    }
  }

  /** A KieError whose message names the operation and never holds the key. */
  error(details: KieErrorDetails): KieError {
    return kieError(details);
  }

  private async send(request: KieRequest): Promise<ExchangeResult> {
    const { signal, operation } = request;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('KIE request timed out'));
    }, this.options.requestTimeoutMs);
    const forwardAbort = (): void => controller.abort(signal?.reason);
    if (request.abortInFlight) signal?.addEventListener('abort', forwardAbort, { once: true });
    let connected = false;
    try {
      const init: RequestInit = {
        method: request.method,
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': this.options.userAgent,
        },
        signal: controller.signal,
      };
      if (request.body !== undefined) init.body = request.body;
      const response = await this.options.fetch(`${this.baseUrl}${request.path}`, init);
      connected = true;
      const text = await response.text();
      return this.interpret(operation, response.status, text);
    } catch (error) {
      if (request.abortInFlight && signal?.aborted) throw signal.reason;
      if (timedOut) {
        return {
          ok: false,
          delivery: 'maybe_received',
          error: kieError({ kind: 'timeout', operation, detail: `no answer within ${this.options.requestTimeoutMs} ms`, cause: error }),
        };
      }
      return {
        ok: false,
        delivery: !connected && failedBeforeSending(error) ? 'not_sent' : 'maybe_received',
        error: kieError({ kind: 'network', operation, detail: networkDetail(error), cause: error }),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  /** Body code first (KIE reports errors with HTTP 200), then the HTTP status. */
  private interpret(operation: KieOperation, httpStatus: number, text: string): ExchangeResult {
    const httpOk = httpStatus >= 200 && httpStatus < 300;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const code = isJsonObject(body) ? readCode(body['code']) : undefined;
    const kieMessage = isJsonObject(body) ? sanitizeKieMessage(body['msg'] ?? body['message'], this.options.apiKey) : undefined;

    if (code === 200 && httpOk && isJsonObject(body)) return { ok: true, envelope: { code, data: body['data'] } };
    if (code !== undefined && code !== 200) {
      const { kind, transient } = classifyKieCode(code, kieMessage);
      return { ok: false, delivery: 'answered', error: kieError({ kind, transient, operation, code, httpStatus, kieMessage }) };
    }
    if (!httpOk) {
      const { kind, transient } = classifyHttpStatus(httpStatus);
      return { ok: false, delivery: 'answered', error: kieError({ kind, transient, operation, httpStatus, kieMessage }) };
    }
    const detail = body === undefined ? 'the body is not JSON' : 'the body is not a KIE envelope';
    return { ok: false, delivery: 'answered', error: kieError({ kind: 'bad_response', transient: true, operation, httpStatus, detail }) };
  }
}

export interface KieErrorDetails {
  kind: KieErrorKind;
  operation: KieOperation;
  transient?: boolean;
  code?: number;
  httpStatus?: number;
  kieMessage?: string | undefined;
  taskId?: string;
  detail?: string;
  cause?: unknown;
}

function kieError(details: KieErrorDetails): KieError {
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

function readCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{3}$/.test(value.trim())) return Number(value);
  return undefined;
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
