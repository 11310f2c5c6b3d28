import { z } from 'zod';

export type StoredJson<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Reads a stored JSON text back through its schema: a row that is not valid (corrupt, or written by an incompatible version) is reported, never trusted. */
export function parseStoredJson<T>(schema: z.ZodType<T>, text: string): StoredJson<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: z.prettifyError(parsed.error).replaceAll('\n', ' ') };
}
