/** How SHARD_LIST is written, for the configuration's error line. */
export const SHARD_LIST_USAGE = 'shard ids and ranges such as 0-3 or 4,5,6,7';

/** The highest shard id a list may name (SHARD_COUNT is at most 9999). */
const MAX_SHARD_ID = 9_998;

/**
 * Reads a SHARD_LIST: comma-separated ids and inclusive ranges ("0-3", "4,5,6,7", "0-1,6"), sorted and
 * without repeats; undefined when it is not such a list (empty, a reversed range, a negative or huge id).
 */
export function parseShardList(text: string): number[] | undefined {
  const ids = new Set<number>();
  for (const part of text.split(',').map((item) => item.trim())) {
    const match = /^(\d{1,4})(?:\s*-\s*(\d{1,4}))?$/.exec(part);
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last > MAX_SHARD_ID) return undefined;
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** The ids of the list that a bot of `total` shards does not have. */
export function shardsOutside(ids: readonly number[], total: number): number[] {
  return ids.filter((id) => id >= total);
}

/** Every shard id of a bot of `total` shards. */
export function allShards(total: number): number[] {
  return Array.from({ length: total }, (_, id) => id);
}
