/**
 * One value per server, loaded on first use with single flight (any number of concurrent misses make one
 * load), kept until `invalidate` or `ttlMs`, and dropped when `versions` reports that another process
 * changed the server (checked every `watchIntervalMs`, in one read for all cached servers).
 */
export interface PolicyCacheOptions<T> {
  /** Loads a server's value and the version it was stored under (one store read). */
  load: (guildId: string) => Promise<{ value: T; version: unknown }>;
  /** The current versions of these servers (one store read); only with `watchIntervalMs`. */
  versions?: (guildIds: readonly string[]) => Promise<unknown[]>;
  ttlMs: number;
  /** How often to compare cached servers' versions with the store's; undefined = never (one process). */
  watchIntervalMs?: number | undefined;
  now: () => number;
  onError?: (error: unknown) => void;
}

interface Entry<T> {
  loading: Promise<T>;
  value?: T;
  version?: unknown;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

export class PolicyCache<T> {
  readonly #options: PolicyCacheOptions<T>;
  readonly #entries = new Map<string, Entry<T>>();
  #watch: NodeJS.Timeout | undefined;
  #watching = false;

  constructor(options: PolicyCacheOptions<T>) {
    this.#options = options;
    if (options.watchIntervalMs !== undefined && options.versions) {
      this.#watch = setInterval(() => void this.#checkVersions(), options.watchIntervalMs);
      this.#watch.unref();
    }
  }

  /** The cached value without waiting, or undefined when it must be loaded. */
  peek(guildId: string): T | undefined {
    const entry = this.#entries.get(guildId);
    return entry && entry.expiresAt > this.#options.now() ? entry.value : undefined;
  }

  get(guildId: string): Promise<T> {
    const now = this.#options.now();
    const cached = this.#entries.get(guildId);
    if (cached && (cached.value === undefined || cached.expiresAt > now)) return cached.loading;
    const entry: Entry<T> = { loading: Promise.resolve() as Promise<T>, expiresAt: Number.POSITIVE_INFINITY };
    entry.loading = this.#options.load(guildId).then(
      ({ value, version }) => {
        // A change made while loading has dropped this entry: the value is served to those waiting, not kept.
        if (this.#entries.get(guildId) === entry) Object.assign(entry, { value, version, expiresAt: this.#options.now() + this.#options.ttlMs });
        return value;
      },
      (error: unknown) => {
        if (this.#entries.get(guildId) === entry) this.#entries.delete(guildId);
        throw error;
      },
    );
    this.#entries.set(guildId, entry);
    if (this.#entries.size > MAX_ENTRIES) this.#evictExpired(now);
    return entry.loading;
  }

  /** Forgets a server's value: the next read loads it again. */
  invalidate(guildId: string): void {
    this.#entries.delete(guildId);
  }

  close(): void {
    clearInterval(this.#watch);
  }

  async #checkVersions(): Promise<void> {
    if (this.#watching) return;
    const loaded = [...this.#entries].filter(([, entry]) => entry.value !== undefined);
    if (loaded.length === 0) return;
    this.#watching = true;
    try {
      const versions = await this.#options.versions!(loaded.map(([guildId]) => guildId));
      loaded.forEach(([guildId, entry], index) => {
        if (this.#entries.get(guildId) === entry && !sameVersion(entry.version, versions[index])) this.#entries.delete(guildId);
      });
    } catch (error) {
      this.#options.onError?.(error);
    } finally {
      this.#watching = false;
    }
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.value !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
  }
}

function sameVersion(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}
