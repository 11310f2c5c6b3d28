import type { TaskRecord } from './types.js';

type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** failCode/failMsg: documented as "" on success, seen live as null; numbers are tolerated. */
function optionalText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** resultJson is a JSON string inside the JSON (sometimes an object); anything unreadable yields no URLs. */
export function parseResultUrls(resultJson: unknown): string[] {
  let parsed: unknown = resultJson;
  if (typeof resultJson === 'string') {
    try {
      parsed = JSON.parse(resultJson);
    } catch {
      return [];
    }
  }
  if (!isJsonObject(parsed) || !Array.isArray(parsed['resultUrls'])) return [];
  return parsed['resultUrls'].filter((url): url is string => typeof url === 'string' && url.trim() !== '');
}

/**
 * Normalises the `data` of a recordInfo answer or callback. Returns undefined when it is not a task record
 * at all (no state). `param` is ignored on purpose: nothing in it is needed and its encoding varies.
 */
export function parseTaskRecord(data: unknown, fallbackTaskId?: string): TaskRecord | undefined {
  if (!isJsonObject(data)) return undefined;
  const state = typeof data['state'] === 'string' ? data['state'].trim() : '';
  if (state === '') return undefined;
  const taskId = typeof data['taskId'] === 'string' && data['taskId'] !== '' ? data['taskId'] : fallbackTaskId;
  if (taskId === undefined) return undefined;
  return {
    taskId,
    state,
    resultUrls: parseResultUrls(data['resultJson']),
    failCode: optionalText(data['failCode']),
    failMsg: optionalText(data['failMsg']),
    costTimeSeconds: finiteNumber(data['costTime']),
    createTime: finiteNumber(data['createTime']),
    completeTime: finiteNumber(data['completeTime']),
    creditsConsumed: finiteNumber(data['creditsConsumed'] ?? data['consumeCredits']),
  };
}
