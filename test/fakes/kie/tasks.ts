import { randomBytes } from 'node:crypto';
import type { FakeTask, FakeTaskView, TaskScenario } from './types.js';

export const MODEL = 'seedream/4.5-text-to-image';
export const EDIT_MODEL = 'seedream/4.5-edit';
export const UPSCALE_MODEL = 'topaz/image-upscale';
const UPSCALE_FACTORS = ['1', '2', '4', '8'];
const MAX_EDIT_IMAGES = 14;
const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9'];
const QUALITIES = ['basic', 'high'];
const MAX_PROMPT_LENGTH = 3000;
export const CREDITS_PER_IMAGE = 6.5;

/** The fake's tasks and how each moves through its states over time, as KIE's recordInfo shows them. */
export class TaskBook {
  private readonly tasks = new Map<string, FakeTask>();

  constructor(
    private readonly now: () => number,
    /** Where the fake serves result images (its own base URL). */
    private readonly fileBaseUrl: () => string,
  ) {}

  create(scenario: TaskScenario, param: string, callBackUrl: string | undefined): FakeTask {
    const task: FakeTask = { id: randomBytes(16).toString('hex'), createdAt: this.now(), scenario, param, callBackUrl };
    this.tasks.set(task.id, task);
    return task;
  }

  get(taskId: string): FakeTask | undefined {
    return this.tasks.get(taskId);
  }

  all(): IterableIterator<FakeTask> {
    return this.tasks.values();
  }

  view(taskId: string): FakeTaskView | undefined {
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

  /** Finishes a task now; false when it had already finished. */
  force(taskId: string, outcome: 'success' | 'fail'): boolean {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new Error(`fake KIE: no task ${taskId}`);
    if (this.completedAt(task, this.now()) !== undefined) return false;
    task.forced = { outcome, at: this.now() };
    return true;
  }

  /** Counts one "recordInfo is null" answer while the scenario still asks for them. */
  notYetKnown(task: FakeTask): boolean {
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

  stateOf(task: FakeTask, now: number): string {
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

  completedAt(task: FakeTask, now: number): number | undefined {
    if (task.forced !== undefined) return task.forced.at;
    const terminal = this.timeline(task.scenario).find((step) => isTerminal(step.state));
    return terminal !== undefined && now - task.createdAt >= terminal.afterMs ? task.createdAt + terminal.afterMs : undefined;
  }

  private imageUrl(task: FakeTask): string {
    // An upscale returns a bigger picture than a generation unless the scenario says otherwise.
    const image = task.scenario.image ?? (modelOf(task.param) === UPSCALE_MODEL ? 'upscaled' : 'small');
    if (typeof image === 'string') return `${this.fileBaseUrl()}/files/${image}/${task.id}.png`;
    if ('url' in image) return image.url;
    return `${this.fileBaseUrl()}/files/custom/${task.id}`;
  }

  recordData(task: FakeTask, now: number): Record<string, unknown> {
    const state = this.stateOf(task, now);
    const completedAt = this.completedAt(task, now);
    const data: Record<string, unknown> = {
      taskId: task.id,
      model: modelOf(task.param),
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
}

function isTerminal(state: string): boolean {
  return state === 'success' || state === 'fail';
}

/** The checks KIE applies to a Seedream 4.5 text-to-image request; undefined when valid. */
export function validateCreate(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Invalid request body: JSON object required';
  const { model, input, callBackUrl } = body as { model?: unknown; input?: unknown; callBackUrl?: unknown };
  if (model !== MODEL && model !== EDIT_MODEL && model !== UPSCALE_MODEL) return 'model is not supported';
  if (callBackUrl !== undefined && (typeof callBackUrl !== 'string' || !/^https?:\/\//.test(callBackUrl))) return 'callBackUrl is invalid';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'input is required';
  if (model === UPSCALE_MODEL) return upscaleProblem(input);
  const { prompt, aspect_ratio: aspectRatio, quality } = input as { prompt?: unknown; aspect_ratio?: unknown; quality?: unknown };
  if (typeof prompt !== 'string' || prompt.trim() === '') return 'input.prompt is required';
  if (prompt.length > MAX_PROMPT_LENGTH) return `input.prompt must be at most ${MAX_PROMPT_LENGTH} characters`;
  if (typeof aspectRatio !== 'string' || aspectRatio === '') return 'input.aspect_ratio is required';
  if (!ASPECT_RATIOS.includes(aspectRatio)) return `input.aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}`;
  if (typeof quality !== 'string' || quality === '') return 'input.quality is required';
  if (!QUALITIES.includes(quality)) return `input.quality must be one of ${QUALITIES.join(', ')}`;
  if (model === EDIT_MODEL) {
    const urls = (input as { image_urls?: unknown }).image_urls;
    if (!Array.isArray(urls) || urls.length === 0) return 'input.image_urls is required';
    if (urls.length > MAX_EDIT_IMAGES) return `input.image_urls must hold at most ${MAX_EDIT_IMAGES} images`;
    const bad = urls.findIndex((url) => typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url));
    if (bad >= 0) return `input.image_urls[${bad}] must be an http(s) URL`;
  }
  return undefined;
}

/** topaz/image-upscale's input: one picture URL (a string, not an array) and the factor as a string. */
function upscaleProblem(input: object): string | undefined {
  const { image_url: imageUrl, upscale_factor: factor } = input as { image_url?: unknown; upscale_factor?: unknown };
  if (typeof imageUrl !== 'string' || imageUrl === '') return 'input.image_url is required';
  if (!/^https?:\/\/[^\s]+$/.test(imageUrl)) return 'input.image_url must be an http(s) URL';
  if (typeof factor !== 'string') return 'input.upscale_factor is required and must be a string';
  if (!UPSCALE_FACTORS.includes(factor)) return `input.upscale_factor must be one of ${UPSCALE_FACTORS.join(', ')}`;
  return undefined;
}

/** The pictures a valid create body asks KIE to fetch: the edit's image_urls or the upscale's image_url (none for text to image). */
export function editImageUrls(body: unknown): string[] {
  const { model, input } = body as { model?: unknown; input?: { image_urls?: unknown; image_url?: unknown } };
  if (model === UPSCALE_MODEL && typeof input?.image_url === 'string') return [input.image_url];
  return model === EDIT_MODEL && Array.isArray(input?.image_urls) ? (input.image_urls as string[]) : [];
}

function modelOf(param: string): string {
  try {
    const { model } = JSON.parse(param) as { model?: unknown };
    return typeof model === 'string' ? model : MODEL;
  } catch {
    return MODEL;
  }
}

