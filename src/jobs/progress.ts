import type { Logger } from '../log.js';

export interface ProgressState {
  state: string;
  queuePosition?: number;
  /** About how long until the job's createTask slot (ms), while it waits. */
  etaMs?: number;
}

export interface ProgressReporterOptions {
  render: (state: ProgressState) => string;
  /** Sends the rendered text; `state` is what it was rendered from (e.g. whether a Cancel button goes with it). */
  send: (text: string, state: ProgressState) => Promise<void>;
  /** False once the interaction token is too old to edit the reply. */
  canSend: () => boolean;
  minIntervalMs: number;
  /** No edit before this long after the reporter starts (default 0). */
  firstEditDelayMs?: number;
  now: () => number;
  logger: Logger;
  /** Told of every state at once, whether or not an edit goes out (e.g. what /quota lists). */
  onUpdate?: (state: ProgressState) => void;
}

/**
 * Keeps the "working on it" reply current without flooding Discord: an edit goes out only when the rendered
 * text differs from the last one sent, and never sooner than minIntervalMs after the previous edit.
 */
export class ProgressReporter {
  private latest: ProgressState | undefined;
  private lastText: string | undefined;
  private lastSentAt: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: ProgressReporterOptions) {
    this.lastSentAt = options.now() - options.minIntervalMs + (options.firstEditDelayMs ?? 0);
  }

  update(state: ProgressState): void {
    if (this.stopped) return;
    this.options.onUpdate?.(state);
    this.latest = state;
    if (this.timer) return;
    const wait = Math.max(0, this.lastSentAt + this.options.minIntervalMs - this.options.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  /** Cancels anything pending and waits for an edit already on its way, so a final edit lands last. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private flush(): void {
    if (this.stopped || !this.latest || !this.options.canSend()) return;
    const state = this.latest;
    const text = this.options.render(state);
    if (text === this.lastText) return;
    this.lastText = text;
    this.lastSentAt = this.options.now();
    this.inFlight = this.inFlight
      .then(() => this.options.send(text, state))
      .catch((error: unknown) => this.options.logger.debug({ err: error }, 'progress edit failed'));
  }
}
