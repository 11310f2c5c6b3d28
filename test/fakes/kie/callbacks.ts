import { createHmac } from 'node:crypto';
import type { TaskBook } from './tasks.js';
import type { CallbackDelivery, FakeTask } from './types.js';

/** KIE's callback signature, as KIE documents it: HMAC-SHA256 of `taskId.timestamp`, base64 (the body is not signed). */
export function signKieCallback(taskId: string, timestampSeconds: number | string, hmacKey: string): string {
  return createHmac('sha256', hmacKey).update(`${taskId}.${timestampSeconds}`).digest('base64');
}

/** KIE's completion callbacks: POSTed to a task's callBackUrl once it finishes, signed when an HMAC key is set. */
export class CallbackSender {
  readonly deliveries: CallbackDelivery[] = [];
  private readonly awaiting = new Set<string>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly tasks: TaskBook,
    private readonly now: () => number,
    private readonly hmacKey: string | undefined,
    /** Aborts callbacks in flight when the fake closes. */
    private readonly closing: AbortSignal,
  ) {}

  /** Calls back for the task once it finishes. */
  watch(taskId: string): void {
    this.awaiting.add(taskId);
    if (this.ticker === undefined) this.ticker = setInterval(() => this.deliverDue(), 20);
  }

  deliverDue(): void {
    const now = this.now();
    for (const taskId of this.awaiting) {
      const task = this.tasks.get(taskId);
      if (task === undefined || task.callBackUrl === undefined || this.tasks.completedAt(task, now) === undefined) continue;
      this.awaiting.delete(taskId);
      void this.send(task, task.callBackUrl, now);
    }
    if (this.awaiting.size === 0) this.stop();
  }

  stop(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private async send(task: FakeTask, url: string, now: number): Promise<void> {
    const data = this.tasks.recordData(task, now);
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
      headers['X-Webhook-Signature'] = signKieCallback(task.id, timestamp, this.hmacKey);
    }
    const delivery: CallbackDelivery = { taskId: task.id, url, at: now, headers, body };
    this.deliveries.push(delivery);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.closing, AbortSignal.timeout(5_000)]),
      });
      delivery.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      // Like KIE, a failed delivery is only noted.
      delivery.error = error instanceof Error ? error.message : String(error);
    }
  }
}
