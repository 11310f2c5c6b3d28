import { createHmac, timingSafeEqual } from 'node:crypto';
import { isJsonObject } from './record.js';

export const DEFAULT_MAX_SKEW_MS = 300_000;

type HeaderValue = string | readonly string[] | null | undefined;

export interface VerifyKieSignatureInput {
  taskId: string;
  /** X-Webhook-Timestamp: Unix seconds. */
  timestampHeader: HeaderValue;
  /** X-Webhook-Signature: base64 of HMAC-SHA256(hmacKey, `${taskId}.${timestamp}`). */
  signatureHeader: HeaderValue;
  hmacKey: string;
  nowMs: number;
  maxSkewMs?: number;
}

const TIMESTAMP = /^\d{1,12}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SHA256_BYTES = 32;

/**
 * True only for a well-formed, fresh signature made with hmacKey; compared in constant time. KIE signs the
 * task id and timestamp only, not the body: treat a verified callback as a wake-up, nothing more.
 */
export function verifyKieSignature(input: VerifyKieSignatureInput): boolean {
  const { taskId, hmacKey, nowMs } = input;
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const timestamp = singleHeader(input.timestampHeader);
  const signature = singleHeader(input.signatureHeader);
  if (taskId === '' || hmacKey === '' || timestamp === undefined || signature === undefined) return false;
  if (!TIMESTAMP.test(timestamp) || !BASE64.test(signature) || !Number.isFinite(nowMs)) return false;
  if (Math.abs(nowMs - Number(timestamp) * 1000) > maxSkewMs) return false;
  const given = Buffer.from(signature, 'base64');
  if (given.length !== SHA256_BYTES) return false;
  const expected = createHmac('sha256', hmacKey).update(`${taskId}.${timestamp}`).digest();
  return timingSafeEqual(given, expected);
}

function singleHeader(value: HeaderValue): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0].trim();
  return undefined;
}

const MAX_TASK_ID_LENGTH = 200;

/** The task id of a callback body (parsed JSON or raw text): data.taskId ?? data.task_id ?? taskId. */
export function parseCallbackTaskId(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      return undefined;
    }
  }
  if (!isJsonObject(parsed)) return undefined;
  const data = isJsonObject(parsed['data']) ? parsed['data'] : {};
  const taskId = data['taskId'] ?? data['task_id'] ?? parsed['taskId'];
  if (typeof taskId !== 'string') return undefined;
  const trimmed = taskId.trim();
  return trimmed !== '' && trimmed.length <= MAX_TASK_ID_LENGTH ? trimmed : undefined;
}
