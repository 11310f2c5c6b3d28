import type { RefusalReason } from '../errors.js';

export type CapClaim = { ok: true; release: () => void } | { ok: false; refusal: RefusalReason };

/**
 * At most `max` images in progress (waiting or running) per member and server. A request claims its place
 * before admission, synchronously, so a burst of presses cannot all pass the count; the claim is released once
 * the job runs (then the running job counts) or was refused. No quota unit is reserved for a refused request.
 */
export class ActiveJobCap {
  private readonly claims = new Map<string, number>();

  constructor(
    private readonly max: number,
    /** The member's jobs running in this process (JobService.inFlightFor). */
    private readonly running: (guildId: string, userId: string) => number,
  ) {}

  /** Claims places for `images` (a set asks for several at once: all fit, or none is claimed). */
  claim(guildId: string, userId: string, images = 1): CapClaim {
    const key = `${guildId}:${userId}`;
    const claimed = this.claims.get(key) ?? 0;
    const inProgress = this.running(guildId, userId) + claimed;
    if (inProgress + images > this.max) {
      return { ok: false, refusal: { code: 'too_many_in_progress', inProgress, max: this.max, ...(images > 1 ? { requested: images } : {}) } };
    }
    this.claims.set(key, claimed + images);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.claims.get(key) ?? images) - images;
        if (left > 0) this.claims.set(key, left);
        else this.claims.delete(key);
      },
    };
  }
}
