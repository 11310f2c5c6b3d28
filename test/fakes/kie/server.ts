import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackSender } from './callbacks.js';
import { envelope, faultAnswer, headerRecord, parseJson, readBody, send, trickle, unauthorized, type Answer } from './http.js';
import { FakeImages, type GeneratedImageKind } from './images.js';
import { inputImagesProblem } from './input-images.js';
import { CREDITS_PER_IMAGE, editImageUrls, TaskBook, validateCreate } from './tasks.js';
import {
  ALL_POLL_FAULTS,
  type CallbackDelivery,
  type CreateBehaviour,
  type CreateCall,
  type FakeKieOptions,
  type FakeTaskView,
  type PollCall,
  type PollFault,
  type TaskScenario,
} from './types.js';

const CREATE_LIMIT = { limit: 20, windowMs: 10_000 };
const POLL_LIMIT = { limit: 10, windowMs: 1_000 };
const STARTING_CREDITS = 10_000;

export class FakeKie {
  readonly apiKey: string;
  readonly creates: CreateCall[] = [];
  readonly polls: PollCall[] = [];
  readonly downloads: { path: string; at: number }[] = [];
  readonly callbacks: CallbackDelivery[];
  readonly rejected429 = { create: 0, poll: 0 };
  /** When each credit balance request came. */
  readonly creditChecks: number[] = [];

  private readonly server: Server;
  private readonly now: () => number;
  private readonly images: FakeImages;
  private readonly enforceRateLimits: boolean;
  private readonly hmacKey: string | undefined;
  private readonly slowChunk: { bytes: number; intervalMs: number };
  private defaultScenario: TaskScenario;
  private readonly scenarioFor: ((body: unknown) => TaskScenario) | undefined;
  private readonly tasks: TaskBook;
  private readonly callbackSender: CallbackSender;
  private readonly createQueue: CreateBehaviour[] = [];
  private readonly createTimes: number[] = [];
  private readonly pollTimes: number[] = [];
  private faultRate = 0;
  private faultKinds: PollFault[] = ALL_POLL_FAULTS;
  private faultRandom: () => number = Math.random;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly closing = new AbortController();
  private baseUrl = '';
  /** Credits bought so far; the balance is this minus what succeeded tasks spent. */
  private creditsBought: number;

  private constructor(options: FakeKieOptions) {
    this.apiKey = options.apiKey ?? 'fake-kie-key';
    this.now = options.now ?? Date.now;
    this.images = options.images ?? new FakeImages();
    this.enforceRateLimits = options.enforceRateLimits ?? true;
    this.hmacKey = options.hmacKey;
    this.slowChunk = options.slowChunk ?? { bytes: 128, intervalMs: 100 };
    this.defaultScenario = options.defaultScenario ?? {};
    this.creditsBought = options.credits ?? STARTING_CREDITS;
    this.scenarioFor = options.scenarioFor;
    this.tasks = new TaskBook(this.now, () => this.baseUrl);
    this.callbackSender = new CallbackSender(this.tasks, this.now, this.hmacKey, this.closing.signal);
    this.callbacks = this.callbackSender.deliveries;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) send(res, { kind: 'json', status: 500, body: envelope(500, 'fake KIE crashed') });
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
    return this.tasks.view(taskId);
  }

  /** Finishes a task now (typically an outcome 'never' task). */
  completeTask(taskId: string, outcome: 'success' | 'fail' = 'success'): void {
    if (this.tasks.force(taskId, outcome)) this.callbackSender.deliverDue();
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
    this.callbackSender.stop();
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
      send(res, { kind: 'json', status: 413, body: envelope(413, 'body too large') });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/jobs/createTask') return await this.createTask(req, res, raw);
    if (req.method === 'GET' && url.pathname === '/api/v1/jobs/recordInfo') return this.recordInfo(req, res, url);
    if (req.method === 'GET' && url.pathname === '/api/v1/chat/credit') return this.credit(req, res);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) return this.file(res, url.pathname);
    send(res, { kind: 'json', status: 404, body: envelope(404, 'Not Found') });
  }

  private async createTask(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const call: CreateCall = { body: parseJson(raw) ?? raw, headers: headerRecord(req), at: this.now(), answer: undefined };
    this.creates.push(call);
    const behaviour = this.createQueue.shift();
    const reply = (answer: Answer): void => {
      call.answer = answer.body;
      send(res, answer);
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
    const problem = validateCreate(call.body) ?? (await inputImagesProblem(editImageUrls(call.body), this.closing.signal));
    if (problem !== undefined) return reply({ kind: 'json', status: 200, body: envelope(422, problem) });
    if (this.credits() < CREDITS_PER_IMAGE) return reply({ kind: 'json', status: 200, body: envelope(402, 'Credits insufficient') });

    const body = call.body as { callBackUrl?: unknown };
    const scenario =
      (behaviour !== undefined && 'scenario' in behaviour ? behaviour.scenario : undefined) ?? this.scenarioFor?.(call.body) ?? this.defaultScenario;
    const task = this.tasks.create(scenario, raw, typeof body.callBackUrl === 'string' ? body.callBackUrl : undefined);
    call.taskId = task.id;
    if (task.callBackUrl !== undefined) this.callbackSender.watch(task.id);
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
      send(res, answer);
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
    if (task === undefined || this.tasks.notYetKnown(task)) return reply({ kind: 'json', status: 200, body: envelope(422, 'recordInfo is null') });
    reply({ kind: 'json', status: 200, body: envelope(200, 'success', this.tasks.recordData(task, this.now())) });
  }

  /** The balance KIE would report now: what was bought minus 6.5 per succeeded task. */
  credits(): number {
    const now = this.now();
    const spent = [...this.tasks.all()].filter((task) => this.tasks.stateOf(task, now) === 'success').length * CREDITS_PER_IMAGE;
    return this.creditsBought - spent;
  }

  /** Sets the balance (a top-up, or a drain) to `credits` from now on. */
  setCredits(credits: number): void {
    this.creditsBought += credits - this.credits();
  }

  private credit(req: IncomingMessage, res: ServerResponse): void {
    this.creditChecks.push(this.now());
    if (!this.authorized(req)) return send(res, unauthorized());
    send(res, { kind: 'json', status: 200, body: envelope(200, 'success', this.credits()) });
  }

  private async file(res: ServerResponse, path: string): Promise<void> {
    this.downloads.push({ path, at: this.now() });
    const [, , kind, name = ''] = path.split('/');
    const taskId = name.replace(/\.png$/, '');
    if (kind === 'small' || kind === 'upscaled' || kind === 'large' || kind === '4k') {
      send(res, { kind: 'raw', status: 200, body: '', contentType: 'image/png' }, await this.images.get(kind));
    } else if (kind === 'html') {
      send(res, { kind: 'raw', status: 200, body: '<!doctype html><html><body><h1>Welcome</h1></body></html>', contentType: 'text/html' });
    } else if (kind === 'slow') {
      trickle(res, await this.images.get('small'), this.slowChunk, (ms, action) => this.later(ms, action));
    } else {
      const image = kind === 'custom' ? this.tasks.get(taskId)?.scenario.image : undefined;
      if (image !== undefined && typeof image === 'object' && 'bytes' in image) {
        send(res, { kind: 'raw', status: 200, body: '', contentType: image.contentType }, image.bytes);
      } else if (image !== undefined && typeof image === 'object' && 'redirectTo' in image) {
        res.writeHead(302, { location: image.redirectTo, 'content-length': 0 });
        res.end();
      } else {
        send(res, { kind: 'raw', status: 404, body: 'Not Found', contentType: 'text/plain' });
      }
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

}
