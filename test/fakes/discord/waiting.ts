/** Lets tests await state that REST calls or gateway events will change later. */
export class ChangeNotifier {
  private readonly listeners = new Set<() => void>();
  private readonly cancels = new Set<(reason: Error) => void>();
  private closedReason: Error | undefined;

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Rejects every pending wait, and every later wait that is not already satisfied. */
  close(reason: string): void {
    this.closedReason = new Error(reason);
    for (const cancel of [...this.cancels]) cancel(this.closedReason);
  }

  /** Resolves with the first non-undefined result of `probe`, checked now and after every change. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const immediate = probe();
    if (immediate !== undefined) return Promise.resolve(immediate);
    if (this.closedReason) return Promise.reject(this.closedReason);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const value = probe();
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const cancel = (reason: Error) => {
        finish();
        reject(reason);
      };
      const timer = setTimeout(() => cancel(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.cancels.delete(cancel);
      };
      this.listeners.add(listener);
      this.cancels.add(cancel);
    });
  }
}
