import { systemClock } from '../clock.js';
import type { Keyv } from 'keyv';
import { KeyedMutex } from '../util/keyed-mutex.js';

/** More would be no priority at all; Discord lists 25 roles in a message comfortably. */
export const MAX_PRIORITY_ROLES = 25;

/**
 * The roles whose members come first in the waiting line for KIE, per server: a list in the settings store
 * under `guild:<id>:priority-roles`, beside the server's other admin lists. Reads are cached briefly (every
 * /imagine asks); a change made here applies at once in this process, within `cacheTtlMs` in others.
 */
export class PriorityRoles {
  private readonly cache = new Map<string, { roles: Promise<string[]>; expiresAt: number }>();
  private readonly editLock = new KeyedMutex();

  constructor(
    private readonly kv: Keyv,
    private readonly options: { cacheTtlMs?: number; now?: () => number } = {},
  ) {}

  async list(guildId: string): Promise<string[]> {
    const now = this.now();
    const cached = this.cache.get(guildId);
    if (cached && cached.expiresAt > now) return cached.roles;
    const roles = this.read(guildId);
    this.cache.set(guildId, { roles, expiresAt: now + (this.options.cacheTtlMs ?? 2_000) });
    roles.catch(() => this.cache.delete(guildId));
    return roles;
  }

  /** Whether a member with these roles comes first. */
  async hasPriority(guildId: string, roleIds: readonly string[]): Promise<boolean> {
    if (roleIds.length === 0) return false;
    const roles = await this.list(guildId);
    return roleIds.some((roleId) => roles.includes(roleId));
  }

  /** 'added', 'listed' (already there) or 'full'. */
  async add(guildId: string, roleId: string): Promise<'added' | 'listed' | 'full'> {
    return this.edit(guildId, (roles) => {
      if (roles.includes(roleId)) return { result: 'listed' };
      if (roles.length >= MAX_PRIORITY_ROLES) return { result: 'full' };
      return { result: 'added', roles: [...roles, roleId] };
    });
  }

  /** 'removed' or 'unlisted' (was not there). */
  async remove(guildId: string, roleId: string): Promise<'removed' | 'unlisted'> {
    return this.edit(guildId, (roles) => (roles.includes(roleId) ? { result: 'removed', roles: roles.filter((id) => id !== roleId) } : { result: 'unlisted' }));
  }

  private async edit<R>(guildId: string, change: (roles: string[]) => { result: R; roles?: string[] }): Promise<R> {
    return this.editLock.run(key(guildId), async () => {
      const { result, roles } = change(await this.read(guildId));
      if (roles !== undefined) {
        this.cache.delete(guildId);
        if (roles.length === 0) await this.kv.delete(key(guildId));
        else if (!(await this.kv.set(key(guildId), roles))) throw new Error(`settings: could not save ${key(guildId)}`);
        this.cache.set(guildId, { roles: Promise.resolve(roles), expiresAt: this.now() + (this.options.cacheTtlMs ?? 2_000) });
      }
      return result;
    });
  }

  private async read(guildId: string): Promise<string[]> {
    const stored = await this.kv.get<unknown>(key(guildId));
    return Array.isArray(stored) ? stored.filter((item): item is string => typeof item === 'string') : [];
  }

  private now(): number {
    return (this.options.now ?? systemClock.now)();
  }
}

const key = (guildId: string): string => `guild:${guildId}:priority-roles`;
