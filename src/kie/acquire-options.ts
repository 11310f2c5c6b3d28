import type { Claimant } from './fair-order.js';

/** How one request waits for its slot in a request budget. */
export interface AcquireOptions {
  signal?: AbortSignal | undefined;
  /**
   * 1-based place in line whenever it changes while waiting, with about how long until the slot (ms) when the
   * budget can tell; 0 once granted after having waited.
   */
  onPosition?: ((position: number, etaMs?: number) => void) | undefined;
  /** Whose request this is: a fair budget serves waiting claimants in the fair order (see fair-order.ts). */
  claimant?: Claimant | undefined;
  /**
   * Settles when the granted request is over. Until then the grant counts as happening now; afterwards it is
   * dated to when the answer came. The server saw the request before we saw its answer, so a window measured
   * from answers stays within the server's limit even when the event loop delays when requests really leave.
   */
  holdUntil?: Promise<unknown> | undefined;
}
