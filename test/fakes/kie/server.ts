import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeImages, type GeneratedImageKind } from './images.js';

const MODEL = 'seedream/4.5-text-to-image';
const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9'];
const QUALITIES = ['basic', 'high'];
const MAX_PROMPT_LENGTH = 3000;
const CREATE_LIMIT = { limit: 20, windowMs: 10_000 };
const POLL_LIMIT = { limit: 10, windowMs: 1_000 };
const CREDITS_PER_IMAGE = 6.5;
const STARTING_CREDITS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

export type ImageChoice = 'small' | 'large' | '4k' | 'html' | '404' | 'slow' | { url: string } | { bytes: Buffer; contentType: string };

export interface TaskScenario {
  /** Default: waiting@0, generating@200, then the outcome at durationMs. A terminal state listed here wins. */
  states?: { state: string; afterMs: number }[];
  /** Default 600. */
  durationMs?: number;
  /** Default 'success'; 'never' = stays non-terminal until completeTask(). */
  outcome?: 'success' | 'fail' | 'never';
  failCode?: string;
  failMsg?: string;
  /** Default 'small'. */
  image?: ImageChoice;
  /** Raw resultJson string served on success instead of {"resultUrls":[…]}, e.g. 'not json'. */
  resultJson?: string;
  /** The first N recordInfo calls for the task answer {code:422, msg:"recordInfo is null"}, as KIE may for a fresh task. */
  notFoundPolls?: number;
}

export type CreateBehaviour =
  | { code: number; msg?: string }
  | { httpStatus: number; body: string; contentType?: string }
  | { scenario: TaskScenario }
  | { dropConnection: true; scenario?: TaskScenario }
  | { delayMs: number; scenario?: TaskScenario };

export type PollFault = 'http500html' | 'http502' | 'code455' | 'code500' | 'malformed' | 'drop';
const ALL_POLL_FAULTS: PollFault[] = ['http500html', 'http502', 'code455', 'code500', 'malformed', 'drop'];

export interface FakeKieOptions {
  /** Default 'fake-kie-key'. */
  apiKey?: string;
  defaultScenario?: TaskScenario;
  /** Chooses each new task's scenario from its createTask body (e.g. random durations in a benchmark). */
  scenarioFor?: (body: unknown) => TaskScenario;
  /** Default true: 20 creates per 10 s and 10 recordInfo per 1 s; excess → HTTP 200 {code:429}. */
  enforceRateLimits?: boolean;
  /** When set, callbacks carry X-Webhook-Timestamp / X-Webhook-Signature. */
  hmacKey?: string;
  now?: () => number;
  /** Share one generator between fakes to build the PNGs once. */
  images?: FakeImages;
  /** How 'slow' images trickle: default 128 bytes every 100 ms. */
  slowChunk?: { bytes: number; intervalMs: number };
}

export interface CreateCall {
  body: unknown;
  headers: Record<string, string | undefined>;
  at: number;
  taskId?: string;
  answer: unknown;
}

export interface PollCall {
  taskId: string;
  at: number;
  answer: unknown;
}

export interface CallbackDelivery {
  taskId: string;
  url: string;
  at: number;
  headers: Record<string, string>;
  body: string;
  status?: number;
  error?: string;
}

export interface FakeTaskView {
  id: string;
  state: string;
  createdAt: number;
  completedAt?: number;
  scenario: TaskScenario;
}

interface FakeTask {
  id: string;
  createdAt: number;
  scenario: TaskScenario;
  param: string;
  callBackUrl: string | undefined;
  forced?: { outcome: 'success' | 'fail'; at: number };
  /** How many "recordInfo is null" answers it has had (scenario.notFoundPolls). */
  notFoundServed?: number;
}

type Answer = { kind: 'json'; status: number; body: unknown } | { kind: 'raw'; status: number; body: string; contentType: string };

const envelope = (code: number, msg: string, data: unknown = null): unknown => ({ code, msg, data });

export class FakeKie {
  readonly apiKey: string;
  readonly creates: CreateCall[] = [];
  readonly polls: PollCall[] = [];
  readonly downloads: { path: string; at: number }[] = [];
  readonly callbacks: CallbackDelivery[] = [];
  readonly rejected429 = { create: 0, poll: 0 };

  private readonly server: Server;
  private readonly now: () => number;
  private readonly images: FakeImages;
  private readonly enforceRateLimits: boolean;
  private readonly hmacKey: string | undefined;
  private readonly slowChunk: { bytes: number; intervalMs: number };
  private defaultScenario: TaskScenario;
  private readonly scenarioFor: ((body: unknown) => TaskScenario) | undefined;
  private readonly tasks = new Map<string, FakeTask>();
  private readonly createQueue: CreateBehaviour[] = [];
  private readonly createTimes: number[] = [];
  private readonly pollTimes: number[] = [];
  private faultRate = 0;
  private faultKinds: PollFault[] = ALL_POLL_FAULTS;
  private faultRandom: () => number = Math.random;
  private readonly awaitingCallback = new Set<string>();
  private callbackTicker: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly closing = new AbortController();
  private baseUrl = '';

  private constructor(options: FakeKieOptions) {
    this.apiKey = options.apiKey ?? 'fake-kie-key';
    this.now = options.now ?? Date.now;
    this.images = options.images ?? new FakeImages();
    this.enforceRateLimits = options.enforceRateLimits ?? true;
    this.hmacKey = options.hmacKey;
    this.slowChunk = options.slowChunk ?? { bytes: 128, intervalMs: 100 };
    this.defaultScenario = options.defaultScenario ?? {};
    this.scenarioFor = options.scenarioFor;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.send(res, { kind: 'json', status: 500, body: envelope(500, 'fake KIE crashed') });
        else res.destroy();
      });
    });
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  static async start(options: FakeKieOptions = {}): Promise<FakeKie> {
    const fake = new FakeKie(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = fake.server.address() as AddressInfo;
    fake.baseUrl = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** Base URL, what the bot gets as KIE_API_URL. */
  get url(): string {
    return this.baseUrl;
  }

  /** Queues a one-shot behaviour for the next createTask call (first queued, first used). */
  nextCreate(answer: CreateBehaviour): void {
    this.createQueue.push(answer);
  }

  setDefaultScenario(scenario: TaskScenario): void {
    this.defaultScenario = scenario;
  }

  /** Makes a fraction of recordInfo calls fail with one of kinds; rate 0 turns faults off. */
  pollFaults(rate: number, kinds: PollFault[] = ALL_POLL_FAULTS, random: () => number = Math.random): void {
    this.faultRate = rate;
    this.faultKinds = kinds.length > 0 ? kinds : ALL_POLL_FAULTS;
    this.faultRandom = random;
  }

  task(taskId: string): FakeTaskView | undefined {
    const task = this.tasks.get(taskId);
    if (task === undefined) return undefined;
    const now = this.now();
    const completedAt = this.completedAt(task, now);
    return {
      id: task.id,
      state: this.stateOf(task, now),
      createdAt: task.createdAt,
      ...(completedAt === undefined ? {} : { completedAt }),
      scenario: task.scenario,
    };
  }

  /** Finishes a task now (typically an outcome 'never' task). */
  completeTask(taskId: string, outcome: 'success' | 'fail' = 'success'): void {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new Error(`fake KIE: no task ${taskId}`);
    if (this.completedAt(task, this.now()) !== undefined) return;
    task.forced = { outcome, at: this.now() };
    this.deliverDueCallbacks();
  }

  /** The exact bytes served for an image kind. */
  imageBytes(kind: GeneratedImageKind): Promise<Buffer> {
    return this.images.get(kind);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake KIE: condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.callbackTicker !== undefined) clearInterval(this.callbackTicker);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- routing ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-kie');
    const raw = await readBody(req);
    if (raw === undefined) {
      this.send(res, { kind: 'json', status: 413, body: envelope(413, 'body too large') });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/jobs/createTask') return this.createTask(req, res, raw);
    if (req.method === 'GET' && url.pathname === '/api/v1/jobs/recordInfo') return this.recordInfo(req, res, url);
    if (req.method === 'GET' && url.pathname === '/api/v1/chat/credit') return this.credit(req, res);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) return this.file(res, url.pathname);
    this.send(res, { kind: 'json', status: 404, body: envelope(404, 'Not Found') });
  }

  private createTask(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const call: CreateCall = { body: parseJson(raw) ?? raw, headers: headerRecord(req), at: this.now(), answer: undefined };
    this.creates.push(call);
    const behaviour = this.createQueue.shift();
    const reply = (answer: Answer): void => {
      call.answer = answer.body;
      this.send(res, answer);
    };
    if (behaviour !== undefined && 'code' in behaviour) {
      return reply({ kind: 'json', status: 200, body: envelope(behaviour.code, behaviour.msg ?? `fake error ${behaviour.code}`) });
    }
    if (behaviour !== undefined && 'httpStatus' in behaviour) {
      return reply({ kind: 'raw', status: behaviour.httpStatus, body: behaviour.body, contentType: behaviour.contentType ?? 'text/html' });
    }
    if (!this.authorized(req)) return reply(unauthorized());
    if (this.overLimit(this.createTimes, CREATE_LIMIT)) {
      this.rejected429.create += 1;
      return reply({ kind: 'json', status: 200, body: envelope(429, 'Rate limit exceeded: too many requests, please try again later') });
    }
    const problem = validateCreate(call.body);
    if (problem !== undefined) return reply({ kind: 'json', status: 200, body: envelope(422, problem) });

    const body = call.body as { callBackUrl?: unknown };
    const scenario =
      (behaviour !== undefined && 'scenario' in behaviour ? behaviour.scenario : undefined) ?? this.scenarioFor?.(call.body) ?? this.defaultScenario;
    const task: FakeTask = {
      id: randomBytes(16).toString('hex'),
      createdAt: this.now(),
      scenario,
      param: raw,
      callBackUrl: typeof body.callBackUrl === 'string' ? body.callBackUrl : undefined,
    };
    this.tasks.set(task.id, task);
    call.taskId = task.id;
    if (task.callBackUrl !== undefined) this.awaitCallback(task.id);
    const success: Answer = { kind: 'json', status: 200, body: envelope(200, 'success', { taskId: task.id }) };

    if (behaviour !== undefined && 'dropConnection' in behaviour) {
      call.answer = 'dropped';
      req.socket.destroy();
      return;
    }
    if (behaviour !== undefined && 'delayMs' in behaviour) {
      this.later(behaviour.delayMs, () => reply(success));
      return;
    }
    reply(success);
  }

  private recordInfo(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const taskId = url.searchParams.get('taskId') ?? '';
    const call: PollCall = { taskId, at: this.now(), answer: undefined };
    this.polls.push(call);
    const reply = (answer: Answer): void => {
      call.answer = answer.body;
      this.send(res, answer);
    };
    if (this.faultRate > 0 && this.faultRandom() < this.faultRate) {
      const fault = this.faultKinds[Math.floor(this.faultRandom() * this.faultKinds.length)] ?? 'code500';
      if (fault === 'drop') {
        call.answer = 'dropped';
        req.socket.destroy();
        return;
      }
      return reply(faultAnswer(fault));
    }
    if (!this.authorized(req)) return reply(unauthorized());
    if (this.overLimit(this.pollTimes, POLL_LIMIT)) {
      this.rejected429.poll += 1;
      return reply({ kind: 'json', status: 200, body: envelope(429, 'Rate limit exceeded: too many requests, please try again later') });
    }
    if (taskId === '') return reply({ kind: 'json', status: 200, body: envelope(422, 'taskId is required') });
    const task = this.tasks.get(taskId);
    if (task === undefined || this.notYetKnown(task)) return reply({ kind: 'json', status: 200, body: envelope(422, 'recordInfo is null') });
    reply({ kind: 'json', status: 200, body: envelope(200, 'success', this.recordData(task, this.now())) });
  }

  private credit(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorized(req)) return this.send(res, unauthorized());
    const now = this.now();
    const spent = [...this.tasks.values()].filter((task) => this.stateOf(task, now) === 'success').length * CREDITS_PER_IMAGE;
    this.send(res, { kind: 'json', status: 200, body: envelope(200, 'success', STARTING_CREDITS - spent) });
  }

  private async file(res: ServerResponse, path: string): Promise<void> {
    this.downloads.push({ path, at: this.now() });
    const [, , kind, name = ''] = path.split('/');
    const taskId = name.replace(/\.png$/, '');
    if (kind === 'small' || kind === 'large' || kind === '4k') {
      this.send(res, { kind: 'raw', status: 200, body: '', contentType: 'image/png' }, await this.images.get(kind));
    } else if (kind === 'html') {
      this.send(res, { kind: 'raw', status: 200, body: '<!doctype html><html><body><h1>Welcome</h1></body></html>', contentType: 'text/html' });
    } else if (kind === 'slow') {
      this.trickle(res, await this.images.get('small'));
    } else {
      const image = kind === 'custom' ? this.tasks.get(taskId)?.scenario.image : undefined;
      if (image !== undefined && typeof image === 'object' && 'bytes' in image) {
        this.send(res, { kind: 'raw', status: 200, body: '', contentType: image.contentType }, image.bytes);
      } else {
        this.send(res, { kind: 'raw', status: 404, body: 'Not Found', contentType: 'text/plain' });
      }
    }
  }

  // ---- tasks ----

  /** Counts one "recordInfo is null" answer while the scenario still asks for them. */
  private notYetKnown(task: FakeTask): boolean {
    const served = task.notFoundServed ?? 0;
    if (served >= (task.scenario.notFoundPolls ?? 0)) return false;
    task.notFoundServed = served + 1;
    return true;
  }

  private timeline(scenario: TaskScenario): { state: string; afterMs: number }[] {
    const states = [...(scenario.states ?? [{ state: 'waiting', afterMs: 0 }, { state: 'generating', afterMs: 200 }])];
    const outcome = scenario.outcome ?? 'success';
    if (outcome !== 'never' && !states.some((step) => isTerminal(step.state))) {
      states.push({ state: outcome, afterMs: scenario.durationMs ?? 600 });
    }
    return states.sort((a, b) => a.afterMs - b.afterMs);
  }

  private stateOf(task: FakeTask, now: number): string {
    if (task.forced !== undefined) return task.forced.outcome;
    const elapsed = now - task.createdAt;
    let state = 'waiting';
    for (const step of this.timeline(task.scenario)) {
      if (step.afterMs > elapsed) break;
      state = step.state;
      if (isTerminal(state)) break;
    }
    return state;
  }

  private completedAt(task: FakeTask, now: number): number | undefined {
    if (task.forced !== undefined) return task.forced.at;
    const terminal = this.timeline(task.scenario).find((step) => isTerminal(step.state));
    return terminal !== undefined && now - task.createdAt >= terminal.afterMs ? task.createdAt + terminal.afterMs : undefined;
  }

  private imageUrl(task: FakeTask): string {
    const image = task.scenario.image ?? 'small';
    if (typeof image === 'string') return `${this.baseUrl}/files/${image}/${task.id}.png`;
    if ('url' in image) return image.url;
    return `${this.baseUrl}/files/custom/${task.id}`;
  }

  private recordData(task: FakeTask, now: number): Record<string, unknown> {
    const state = this.stateOf(task, now);
    const completedAt = this.completedAt(task, now);
    const data: Record<string, unknown> = {
      taskId: task.id,
      model: MODEL,
      state,
      param: task.param,
      resultJson: null,
      failCode: null,
      failMsg: null,
      costTime: completedAt === undefined ? null : Math.round((completedAt - task.createdAt) / 1000),
      createTime: task.createdAt,
      completeTime: completedAt ?? null,
      updateTime: completedAt ?? now,
    };
    if (state === 'success') {
      data['resultJson'] = task.scenario.resultJson ?? JSON.stringify({ resultUrls: [this.imageUrl(task)] });
      // KIE's documented example uses "" on success; live records use null. Serve the documented form.
      data['failCode'] = '';
      data['failMsg'] = '';
      data['creditsConsumed'] = CREDITS_PER_IMAGE;
    } else if (state === 'fail') {
      data['failCode'] = task.scenario.failCode ?? '500';
      data['failMsg'] = task.scenario.failMsg ?? 'internal error, please try again later.';
      data['creditsConsumed'] = 0;
    }
    return data;
  }

  // ---- callbacks ----

  private awaitCallback(taskId: string): void {
    this.awaitingCallback.add(taskId);
    if (this.callbackTicker === undefined) {
      this.callbackTicker = setInterval(() => this.deliverDueCallbacks(), 20);
    }
  }

  private deliverDueCallbacks(): void {
    const now = this.now();
    for (const taskId of this.awaitingCallback) {
      const task = this.tasks.get(taskId);
      if (task === undefined || task.callBackUrl === undefined || this.completedAt(task, now) === undefined) continue;
      this.awaitingCallback.delete(taskId);
      void this.sendCallback(task, task.callBackUrl, now);
    }
    if (this.awaitingCallback.size === 0 && this.callbackTicker !== undefined) {
      clearInterval(this.callbackTicker);
      this.callbackTicker = undefined;
    }
  }

  private async sendCallback(task: FakeTask, url: string, now: number): Promise<void> {
    const data = this.recordData(task, now);
    const succeeded = data['state'] === 'success';
    const body = JSON.stringify({
      code: succeeded ? 200 : 501,
      msg: succeeded ? 'Playground task completed successfully.' : 'Playground task failed.',
      data,
    });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.hmacKey !== undefined) {
      const timestamp = String(Math.floor(now / 1000));
      headers['X-Webhook-Timestamp'] = timestamp;
      headers['X-Webhook-Signature'] = createHmac('sha256', this.hmacKey).update(`${task.id}.${timestamp}`).digest('base64');
    }
    const delivery: CallbackDelivery = { taskId: task.id, url, at: now, headers, body };
    this.callbacks.push(delivery);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(5_000)]),
      });
      delivery.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      // Like KIE, a failed delivery is only noted.
      delivery.error = error instanceof Error ? error.message : String(error);
    }
  }

  // ---- plumbing ----

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.apiKey}`;
  }

  /** Sliding-window check for this key; accepted requests are recorded. */
  private overLimit(times: number[], limit: { limit: number; windowMs: number }): boolean {
    if (!this.enforceRateLimits) return false;
    const now = this.now();
    while (times.length > 0 && now - (times[0] ?? now) >= limit.windowMs) times.shift();
    if (times.length >= limit.limit) return true;
    times.push(now);
    return false;
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private trickle(res: ServerResponse, bytes: Buffer): void {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': bytes.length });
    let offset = 0;
    const step = (): void => {
      if (res.destroyed) return;
      const chunk = bytes.subarray(offset, offset + this.slowChunk.bytes);
      offset += chunk.length;
      if (offset >= bytes.length) {
        res.end(chunk);
        return;
      }
      res.write(chunk);
      this.later(this.slowChunk.intervalMs, step);
    };
    step();
  }

  private send(res: ServerResponse, answer: Answer, bytes?: Buffer): void {
    if (res.destroyed) return;
    const payload = bytes ?? Buffer.from(answer.kind === 'json' ? JSON.stringify(answer.body) : answer.body);
    res.writeHead(answer.status, {
      'Content-Type': answer.kind === 'json' ? 'application/json' : answer.contentType,
      'Content-Length': payload.length,
    });
    res.end(payload);
  }
}

function isTerminal(state: string): boolean {
  return state === 'success' || state === 'fail';
}

function unauthorized(): Answer {
  return { kind: 'json', status: 200, body: envelope(401, 'You do not have access permissions') };
}

function faultAnswer(fault: Exclude<PollFault, 'drop'>): Answer {
  switch (fault) {
    case 'http500html':
      return { kind: 'raw', status: 500, body: '<html><body><h1>500 Internal Server Error</h1></body></html>', contentType: 'text/html' };
    case 'http502':
      return { kind: 'raw', status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>', contentType: 'text/html' };
    case 'code455':
      return { kind: 'json', status: 200, body: envelope(455, 'Service unavailable: system maintenance') };
    case 'code500':
      return { kind: 'json', status: 200, body: envelope(500, 'Server error, please try again later') };
    case 'malformed':
      return { kind: 'raw', status: 200, body: '{"code":200,"msg":"success","data":{"taskId":', contentType: 'application/json' };
  }
}

/** The checks KIE applies to a Seedream 4.5 text-to-image request; undefined when valid. */
function validateCreate(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Invalid request body: JSON object required';
  const { model, input, callBackUrl } = body as { model?: unknown; input?: unknown; callBackUrl?: unknown };
  if (model !== MODEL) return 'model is not supported';
  if (callBackUrl !== undefined && (typeof callBackUrl !== 'string' || !/^https?:\/\//.test(callBackUrl))) return 'callBackUrl is invalid';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'input is required';
  const { prompt, aspect_ratio: aspectRatio, quality } = input as { prompt?: unknown; aspect_ratio?: unknown; quality?: unknown };
  if (typeof prompt !== 'string' || prompt.trim() === '') return 'input.prompt is required';
  if (prompt.length > MAX_PROMPT_LENGTH) return `input.prompt must be at most ${MAX_PROMPT_LENGTH} characters`;
  if (typeof aspectRatio !== 'string' || aspectRatio === '') return 'input.aspect_ratio is required';
  if (!ASPECT_RATIOS.includes(aspectRatio)) return `input.aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}`;
  if (typeof quality !== 'string' || quality === '') return 'input.quality is required';
  if (!QUALITIES.includes(quality)) return `input.quality must be one of ${QUALITIES.join(', ')}`;
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headerRecord(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
