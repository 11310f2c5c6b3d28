import { systemClock } from '../clock.js';
import packageJson from '../../package.json' with { type: 'json' };
import { KIE_CREATE_LIMIT, KIE_POLL_LIMIT, DEFAULT_CREATE_MARGIN_MS, DEFAULT_POLL_MARGIN_MS, SlidingWindowBudget } from './budget.js';
import type { RequestBudget } from './budget.js';
import type { Claimant } from './fair-order.js';
import { KieError } from './errors.js';
import { isJsonObject, parseTaskRecord } from './record.js';
import { KieTransport, type Envelope, type ExchangeFailure, type KieOperation, type KieRequest } from './transport.js';
import { jitteredBackoff, retrying, type BackoffPolicy } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import type { Sleep } from '../util/sleep.js';
import { ASPECT_RATIOS, EDIT_IMAGE_LIMITS, isUpscaleInput, MAX_PROMPT_LENGTH, modelFor, QUALITIES, UPSCALE_FACTOR } from './types.js';
import type { ImageTaskInput, KieErrorKind, TaskInput, TaskRecord } from './types.js';

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts of a createTask that has no deadline. */
  maxAttempts: number;
}

export interface KieClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  /** How a createTask refused before creating (429, 455, 502/503, no connection) is asked again. */
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  userAgent?: string;
  /** Shared by every createTask attempt; defaults to a private budget at KIE's limit (20 per 10 s). */
  createBudget?: RequestBudget;
  /** Shared by every recordInfo request; defaults to a private budget at KIE's limit (10 per 1 s). */
  pollBudget?: RequestBudget;
  /** Told of every exchange with KIE: its operation and 'ok' or the kind of error (metrics). */
  onExchange?: (operation: KieOperation, outcome: 'ok' | KieErrorKind) => void;
  /** Told when KIE refuses a createTask for lack of credits (402): the moment to look at the balance. */
  onPaymentRequired?: () => void;
}

export interface CreateTaskOptions {
  callBackUrl?: string | undefined;
  /** Aborts waiting for the budget or a retry; a request already sent is let finish (it may bill a task). */
  signal?: AbortSignal | undefined;
  onQueuePosition?: ((position: number, etaMs?: number) => void) | undefined;
  /** Whose task it is: the create budget serves waiting claimants in the fair order. */
  claimant?: Claimant | undefined;
  /** Awaited just before each attempt leaves this machine, e.g. to record in a ledger that it may exist. */
  beforeSend?: (() => Promise<void>) | undefined;
  /**
   * When given (ms, same clock as `now`), a refusal is asked again for as long as the next wait ends before
   * it, however many attempts that takes; without it, `retry.maxAttempts` attempts are made.
   */
  deadline?: number | undefined;
  /** Awaited after each refusal, before the wait (e.g. to record that the job waits again). */
  onRefused?: ((refusal: { attempt: number; waitMs: number; error: KieError }) => Promise<void>) | undefined;
}

export interface GetTaskOptions {
  signal?: AbortSignal | undefined;
  onQueuePosition?: ((position: number) => void) | undefined;
}

export const DEFAULT_USER_AGENT = `imagine-discord-bot/${packageJson.version} (+node)`;

export const DefaultKieClientOptions = {
  fetch: (input, init) => fetch(input, init),
  requestTimeoutMs: 15_000,
  // 0.5, 1, 2 s for the first attempts; with a deadline it grows to a refusal every 30 s at most.
  retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 },
  sleep: defaultSleep,
  random: Math.random,
  now: systemClock.now,
  userAgent: DEFAULT_USER_AGENT,
  onExchange: () => {},
  onPaymentRequired: () => {},
} as const satisfies Required<Omit<KieClientOptions, 'baseUrl' | 'apiKey' | 'createBudget' | 'pollBudget'>>;

/** Thrown inside createTask's retry loop: the exchange failed, and how far it got. */
class FailedExchange extends Error {
  constructor(readonly failure: ExchangeFailure) {
    super(failure.error.message);
  }
}

/**
 * KIE's jobs API: createTask and recordInfo. Each getTask is exactly one request (the watch decides when
 * to poll again); createTask asks again only when KIE cannot have accepted the task.
 */
export class KieClient {
  private readonly transport: KieTransport;
  private readonly options: Required<Omit<KieClientOptions, 'baseUrl' | 'apiKey' | 'createBudget' | 'pollBudget'>>;
  private readonly createBudget: RequestBudget;
  private readonly pollBudget: RequestBudget;

  constructor(options: KieClientOptions) {
    const { baseUrl, apiKey, createBudget, pollBudget, ...rest } = options;
    this.options = { ...DefaultKieClientOptions, ...rest };
    this.transport = new KieTransport({
      baseUrl,
      apiKey,
      fetch: this.options.fetch,
      requestTimeoutMs: this.options.requestTimeoutMs,
      userAgent: this.options.userAgent,
    });
    this.createBudget = createBudget ?? new SlidingWindowBudget({ ...KIE_CREATE_LIMIT, safetyMarginMs: DEFAULT_CREATE_MARGIN_MS });
    this.pollBudget = pollBudget ?? new SlidingWindowBudget({ ...KIE_POLL_LIMIT, safetyMarginMs: DEFAULT_POLL_MARGIN_MS });
  }

  /**
   * Submits one task (Seedream 4.5 text to image, an edit of `image_urls`, or Topaz's upscale of
   * `image_url`) and returns its id. Every successful call is billed.
   */
  async createTask(input: TaskInput, options: CreateTaskOptions = {}): Promise<string> {
    assertValidInput(input, options.callBackUrl);
    const body: Record<string, unknown> = {
      model: modelFor(input),
      input: isUpscaleInput(input)
        ? { image_url: input.image_url, upscale_factor: input.upscale_factor }
        : {
            prompt: input.prompt,
            aspect_ratio: input.aspect_ratio,
            quality: input.quality,
            ...(input.image_urls === undefined ? {} : { image_urls: [...input.image_urls] }),
          },
    };
    if (options.callBackUrl !== undefined) body['callBackUrl'] = options.callBackUrl;
    const request: KieRequest = {
      operation: 'createTask',
      method: 'POST',
      path: '/api/v1/jobs/createTask',
      body: JSON.stringify(body),
      budget: this.createBudget,
      signal: options.signal,
      onQueuePosition: options.onQueuePosition,
      claimant: options.claimant,
      beforeSend: options.beforeSend,
      // Cutting a create mid-flight would leave a billed task nobody follows; let it answer.
      abortInFlight: false,
    };
    // createTask is not idempotent: KIE has no idempotency key and bills every task it accepts. So it is
    // asked again only when KIE cannot have accepted it: a refusal before creating (429 rate limit, 455
    // maintenance; KIE drops these, it does not queue them), a gateway that could not reach KIE (HTTP
    // 502/503), or a connection that never opened. After a response timeout, a reset mid-request, a 504 or
    // an unreadable 2xx the task may exist: we give up with maybeCreated so the caller can tell the member
    // instead of silently paying twice.
    let refusal: Promise<void> = Promise.resolve();
    try {
      return await retrying(
        () =>
          this.once(request, (envelope) => {
            const taskId = readTaskId(envelope.data);
            if (taskId === undefined) {
              throw this.transport.error({ kind: 'bad_response', operation: 'createTask', code: envelope.code, detail: 'no taskId in the answer' });
            }
            return taskId;
          }),
        {
          next: (error, attempt) => {
            if (!(error instanceof FailedExchange) || !error.failure.error.transient || !createTaskNotAccepted(error.failure)) return undefined;
            const waitMs = jitteredBackoff(this.options.retry, attempt, this.options.random);
            const mayWait =
              options.deadline === undefined ? attempt < Math.max(1, this.options.retry.maxAttempts) : this.options.now() + waitMs <= options.deadline;
            if (!mayWait) return undefined;
            refusal = options.onRefused?.({ attempt, waitMs, error: error.failure.error }) ?? Promise.resolve();
            return waitMs;
          },
          // The refusal is recorded before the wait begins.
          sleep: async (ms, signal) => {
            await refusal;
            await this.options.sleep(ms, signal);
          },
          signal: options.signal,
        },
      );
    } catch (error) {
      if (!(error instanceof FailedExchange)) throw error;
      if (error.failure.error.kind === 'credits') this.options.onPaymentRequired();
      throw mayHaveCreated(error.failure) ? error.failure.error.with({ maybeCreated: true }) : error.failure.error;
    }
  }

  /** Reads a task's current record (recordInfo): one request, whatever its outcome. */
  async getTask(taskId: string, options: GetTaskOptions = {}): Promise<TaskRecord> {
    if (taskId.trim() === '') {
      throw new KieError({ kind: 'validation', message: 'KIE getTask: taskId is empty', transient: false });
    }
    const request: KieRequest = {
      operation: 'getTask',
      method: 'GET',
      path: `/api/v1/jobs/recordInfo?taskId=${encodeURIComponent(taskId)}`,
      budget: this.pollBudget,
      signal: options.signal,
      onQueuePosition: options.onQueuePosition,
      abortInFlight: true,
    };
    try {
      return await this.once(request, (envelope) => {
        const record = parseTaskRecord(envelope.data, taskId);
        if (record === undefined) {
          throw this.transport.error({ kind: 'bad_response', transient: true, operation: 'getTask', code: envelope.code, taskId, detail: 'no task record in the answer' });
        }
        return record;
      });
    } catch (error) {
      throw error instanceof FailedExchange ? error.failure.error : error;
    }
  }

  /** The account's remaining credits (`GET /api/v1/chat/credit`): one request, counted against the poll budget. */
  async getCredits(options: { signal?: AbortSignal } = {}): Promise<number> {
    const request: KieRequest = {
      operation: 'getCredits',
      method: 'GET',
      path: '/api/v1/chat/credit',
      budget: this.pollBudget,
      signal: options.signal,
      onQueuePosition: undefined,
      abortInFlight: true,
    };
    try {
      return await this.once(request, (envelope) => {
        const credits = envelope.data;
        if (typeof credits !== 'number' || !Number.isFinite(credits)) {
          throw this.transport.error({ kind: 'bad_response', transient: true, operation: 'getCredits', code: envelope.code, detail: 'no credit balance in the answer' });
        }
        return credits;
      });
    } catch (error) {
      throw error instanceof FailedExchange ? error.failure.error : error;
    }
  }

  /** One exchange; a failure, or an answer `accept` cannot use, is thrown as a FailedExchange. */
  private async once<T>(request: KieRequest, accept: (envelope: Envelope) => T): Promise<T> {
    const result = await this.transport.exchange(request);
    if (!result.ok) {
      this.options.onExchange(request.operation, result.error.kind);
      throw new FailedExchange(result);
    }
    try {
      const accepted = accept(result.envelope);
      this.options.onExchange(request.operation, 'ok');
      return accepted;
    } catch (error) {
      if (error instanceof KieError) {
        this.options.onExchange(request.operation, error.kind);
        throw new FailedExchange({ error, delivery: 'answered' });
      }
      throw error;
    }
  }
}

function createTaskNotAccepted(failure: ExchangeFailure): boolean {
  if (failure.delivery === 'not_sent') return true;
  if (failure.delivery !== 'answered') return false;
  const { kind, code, httpStatus } = failure.error;
  if (kind === 'rate_limited' || kind === 'unavailable') return true;
  return code === undefined && (httpStatus === 502 || httpStatus === 503);
}

/** Whether a createTask failure leaves open that KIE created (and bills) the task. */
function mayHaveCreated(failure: ExchangeFailure): boolean {
  if (failure.delivery === 'maybe_received') return true;
  if (failure.delivery === 'not_sent' || createTaskNotAccepted(failure)) return false;
  const { code, httpStatus } = failure.error;
  // An error envelope means KIE refused (no task); a success envelope we could not read means there is one.
  if (code !== undefined) return code === 200;
  return httpStatus === undefined || httpStatus >= 500 || (httpStatus >= 200 && httpStatus < 300);
}

function readTaskId(data: unknown): string | undefined {
  if (!isJsonObject(data)) return undefined;
  const taskId = data['taskId'] ?? data['task_id'];
  return typeof taskId === 'string' && taskId.trim() !== '' ? taskId : undefined;
}

function assertValidInput(input: TaskInput, callBackUrl: string | undefined): void {
  const problem = inputProblem(input, callBackUrl);
  if (problem !== undefined) {
    throw new KieError({ kind: 'validation', message: `KIE createTask: ${problem}`, transient: false });
  }
}

/** The same checks KIE applies, done locally so an invalid job never costs a request. */
export function inputProblem(input: TaskInput, callBackUrl?: string): string | undefined {
  if (callBackUrl !== undefined && !/^https?:\/\//i.test(callBackUrl)) return 'callBackUrl must be an http(s) URL';
  if (isUpscaleInput(input)) {
    if (!/^https?:\/\//i.test(input.image_url)) return 'image_url must be an http(s) URL';
    return input.upscale_factor === UPSCALE_FACTOR ? undefined : `upscale_factor must be "${UPSCALE_FACTOR}"`;
  }
  return seedreamInputProblem(input);
}

function seedreamInputProblem(input: ImageTaskInput): string | undefined {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return 'the prompt is empty';
  if (input.prompt.length > MAX_PROMPT_LENGTH) return `the prompt is longer than ${MAX_PROMPT_LENGTH} characters`;
  if (!(ASPECT_RATIOS as readonly string[]).includes(input.aspect_ratio)) return 'aspect_ratio is not supported';
  if (!(QUALITIES as readonly string[]).includes(input.quality)) return 'quality is not supported';
  const urls = input.image_urls;
  if (urls !== undefined) {
    if (urls.length === 0 || urls.length > EDIT_IMAGE_LIMITS.maxImages) return `image_urls must hold 1 to ${EDIT_IMAGE_LIMITS.maxImages} URLs`;
    if (urls.some((url) => !/^https?:\/\//i.test(url))) return 'image_urls must be http(s) URLs';
  }
  return undefined;
}
