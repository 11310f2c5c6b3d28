/** Source of "now" in milliseconds since the epoch; injected so tests can move time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Starts a timer; returns a function that cancels it. Injected beside a clock so tests can fire timers. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

export const systemSetTimer: SetTimer = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  return () => clearTimeout(timer);
};
