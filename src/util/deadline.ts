/**
 * Races `work` against a timer: settles as `work` does, or after `ms` with what `onLate` returns (or
 * rejects with what it throws), whichever comes first. The timer never outlives the race. `work` itself
 * goes on; the caller only stops waiting for it.
 */
export async function withDeadline<T, L>(work: Promise<T>, ms: number, onLate: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onLate());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** For `onLate`: stop waiting quietly. */
export const giveUp = (): undefined => undefined;

/** For `onLate`: fail with "no answer within `ms` ms". */
export function noAnswerWithin(ms: number): () => never {
  return () => {
    throw new Error(`no answer within ${ms} ms`);
  };
}

/** Waits for `work`, or stops waiting (rejecting with the signal's reason) as soon as `signal` aborts. */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason;
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
