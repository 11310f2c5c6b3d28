import type { FakeImages } from './images.js';

/** The fake KIE's public shapes: what tests script (scenarios, create behaviours, faults) and what they read back. */

/** `redirectTo`: the fake serves the result at its own URL as a 302 to that location. */
export type ImageChoice = 'small' | 'upscaled' | 'large' | '4k' | 'html' | '404' | 'slow' | { url: string } | { redirectTo: string } | { bytes: Buffer; contentType: string };

export interface TaskScenario {
  /** Default: waiting@0, generating@200, then the outcome at durationMs. A terminal state listed here wins. */
  states?: { state: string; afterMs: number }[];
  /** Default 600. */
  durationMs?: number;
  /** Default 'success'; 'never' = stays non-terminal until completeTask(). */
  outcome?: 'success' | 'fail' | 'never';
  failCode?: string;
  failMsg?: string;
  /** Default 'small' ('upscaled' for topaz/image-upscale). */
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
export const ALL_POLL_FAULTS: PollFault[] = ['http500html', 'http502', 'code455', 'code500', 'malformed', 'drop'];

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
  /** The account's credits before any task (default 10 000); each succeeded task spends 6.5. */
  credits?: number;
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

/** A task as the fake keeps it. */
export interface FakeTask {
  id: string;
  createdAt: number;
  scenario: TaskScenario;
  param: string;
  callBackUrl: string | undefined;
  forced?: { outcome: 'success' | 'fail'; at: number };
  /** How many "recordInfo is null" answers it has had (scenario.notFoundPolls). */
  notFoundServed?: number;
}
