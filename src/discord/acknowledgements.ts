import { giveUp, withDeadline } from '../util/deadline.js';

/**
 * Commands that have arrived and not yet had their first answer (a defer or a refusal). Discord gives each
 * command 3 s, and a member waits on a blank screen until it is answered, so in a burst every command is
 * answered before any job's slow work (KIE requests, polls, downloads) takes the CPU; a job only asks to
 * wait for the commands pending when it is ready, so a steady stream of new ones cannot hold it back.
 */
export class PendingAcknowledgements {
  readonly #pending = new Set<Promise<void>>();

  get size(): number {
    return this.#pending.size;
  }

  /** Marks a command as waiting for its answer; call the returned function once it has one (more calls do nothing). */
  begin(): () => void {
    let settle!: () => void;
    const answered = new Promise<void>((resolve) => (settle = resolve));
    this.#pending.add(answered);
    return () => {
      this.#pending.delete(answered);
      settle();
    };
  }

  /**
   * Resolves once every command pending now has been answered, or after `maxWaitMs`: a defer stuck in
   * Discord's retries must not hold other members' jobs for long.
   */
  async settled(maxWaitMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    await withDeadline(Promise.all(this.#pending), maxWaitMs, giveUp);
  }
}
