import type { AcquireOptions } from './acquire-options.js';
import type { Claimant, Ranked } from './fair-order.js';

export interface Waiter {
  readonly holdUntil: Promise<unknown> | undefined;
  readonly claimant: Claimant | undefined;
  /** Unique within this line, in join order. */
  readonly sequence: number;
  grant(): void;
}

interface Entry extends Waiter {
  onPosition: ((position: number, etaMs?: number) => void) | undefined;
  reportedPosition: number;
  reportedEta: number | undefined;
  detach(): void;
}

/** How a line orders its waiters. */
export interface LineOrder {
  /**
   * A stamp of the moment's order, taken before each look at the line: while it stays the same the waiters
   * already in line keep their order (for the fair order: no task started and no start left the window),
   * so a newcomer is only put in its place instead of the whole line being sorted again.
   */
  stamp(): number;
  /** Negative when `a` goes first, as of the last stamp. */
  compare(a: Ranked, b: Ranked): number;
}

const arrivalOrder: LineOrder = { stamp: () => 0, compare: (a, b) => a.sequence - b.sequence };

/**
 * The callers waiting for a budget: joining, leaving on abort, being granted in the line's order, and hearing
 * their place in line. Shared by the in-process and the Redis budgets, which differ only in how they decide
 * that the next caller may go. Without an order it is first come, first served.
 */
export class WaitingLine {
  private entries: Entry[] = [];
  private sequence = 0;
  /** entries[0, sortedLength) are in order as of sortedStamp; newcomers are appended after them. */
  private sortedLength = 0;
  private sortedStamp: number | undefined;

  /** `changed` runs after someone joins or leaves, so the budget can look again. */
  constructor(
    private readonly changed: () => void,
    private readonly order: LineOrder = arrivalOrder,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** The waiter that goes next. */
  get first(): Waiter | undefined {
    this.sort();
    return this.entries[0];
  }

  /** Every waiter, the next one first. */
  get waiters(): readonly Waiter[] {
    this.sort();
    return this.entries;
  }

  join(options: AcquireOptions): Promise<void> {
    const { signal, onPosition, holdUntil, claimant } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.remove(this.entries.indexOf(entry));
        reject(signal?.reason);
        this.changed();
      };
      this.sequence += 1;
      const entry: Entry = {
        holdUntil,
        claimant,
        sequence: this.sequence,
        onPosition,
        reportedPosition: 0,
        reportedEta: undefined,
        grant: resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.push(entry);
      this.changed();
    });
  }

  /** Lets the next caller go; returns it (for its holdUntil), or undefined when nobody waits. */
  grantNext(): Waiter | undefined {
    this.sort();
    const entry = this.remove(0);
    return entry && this.release(entry);
  }

  /** Lets one given caller go (the Redis line decides who); undefined if it left meanwhile. */
  grant(sequence: number): Waiter | undefined {
    const entry = this.remove(this.entries.findIndex((candidate) => candidate.sequence === sequence));
    return entry && this.release(entry);
  }

  /** Takes the entry at `index` out of the line (none for -1); the others keep their order. */
  private remove(index: number): Entry | undefined {
    if (index < 0 || index >= this.entries.length) return undefined;
    if (index < this.sortedLength) this.sortedLength -= 1;
    return this.entries.splice(index, 1)[0];
  }

  /**
   * Tells callers their place (and, with `eta`, about how long until their slot) when it changed. With
   * `newcomers: false` only callers already told hear the change, so a caller granted at once never sees
   * "1st in line". `places` overrides the line's own order (the Redis line ranks across processes).
   */
  reportPositions(options: { newcomers: boolean; eta?: (position: number) => number; places?: ReadonlyMap<number, number> }): void {
    this.sort();
    this.entries.forEach((entry, index) => {
      const position = options.places?.get(entry.sequence) ?? index + 1;
      const eta = options.eta?.(position);
      if (entry.reportedPosition === position && sameEta(entry.reportedEta, eta)) return;
      if (entry.reportedPosition === 0 && !options.newcomers) return;
      report(entry, position, eta);
    });
  }

  private release(entry: Entry): Waiter {
    entry.detach();
    if (entry.reportedPosition !== 0) report(entry, 0, undefined);
    entry.grant();
    return entry;
  }

  /**
   * Puts the line in order. A burst of joins asks after each one; re-sorting the whole line each time cost
   * a burst of 200 most of its CPU, so while the order's stamp holds only the newcomers are placed.
   */
  private sort(): void {
    const stamp = this.order.stamp();
    const compare = (a: Ranked, b: Ranked): number => this.order.compare(a, b);
    if (stamp !== this.sortedStamp) {
      if (this.entries.length > 1) this.entries.sort(compare);
    } else {
      for (const newcomer of this.entries.splice(this.sortedLength)) this.entries.splice(placeOf(this.entries, newcomer, compare), 0, newcomer);
    }
    this.sortedStamp = stamp;
    this.sortedLength = this.entries.length;
  }
}

/** Where `entry` goes in the ordered `entries`: after every entry that goes before it (binary search). */
function placeOf(entries: readonly Ranked[], entry: Ranked, compare: (a: Ranked, b: Ranked) => number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(entries[middle]!, entry) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Estimates move every millisecond; only a change of a second or more is news. */
function sameEta(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Math.abs(a - b) < 1_000;
}

function report(entry: Entry, position: number, eta: number | undefined): void {
  entry.reportedPosition = position;
  entry.reportedEta = eta;
  try {
    entry.onPosition?.(position, eta);
  } catch {
    // A failing progress display must not stall the line for everyone else.
  }
}
