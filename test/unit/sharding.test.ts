import { describe, expect, it } from 'vitest';
import { isWakeMessage, shardProcessFromEnv, wakeMessage } from '../../src/sharding.js';

describe('shardProcessFromEnv', () => {
  it('is undefined outside a ShardingManager, whatever SHARDS says', () => {
    expect(shardProcessFromEnv({})).toBeUndefined();
    expect(shardProcessFromEnv({ SHARDS: '2', SHARD_COUNT: '2' })).toBeUndefined();
    expect(shardProcessFromEnv({ SHARDING_MANAGER: 'false', SHARD_COUNT: '2' })).toBeUndefined();
  });

  it("reads the number of shard processes from the manager's SHARD_COUNT, at least one", () => {
    expect(shardProcessFromEnv({ SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '3' })).toEqual({ processes: 3 });
    expect(shardProcessFromEnv({ SHARDING_MANAGER: 'true', SHARDS: '0' })).toEqual({ processes: 1 });
    expect(shardProcessFromEnv({ SHARDING_MANAGER: 'true', SHARD_COUNT: 'nonsense' })).toEqual({ processes: 1 });
  });
});

describe('wake messages', () => {
  it('are recognised only in their own shape', () => {
    expect(isWakeMessage(wakeMessage('task-1'))).toBe(true);
    expect(isWakeMessage({ type: 'imagine:kie-wake' })).toBe(false);
    expect(isWakeMessage({ type: 'other', taskId: 'task-1' })).toBe(false);
    expect(isWakeMessage('imagine:kie-wake')).toBe(false);
    expect(isWakeMessage(null)).toBe(false);
  });
});
