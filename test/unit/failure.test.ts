import { describe, expect, it } from 'vitest';
import { failureReason } from '../../src/jobs/failure.js';
import { ImageDownloadError } from '../../src/jobs/image.js';
import { KieError, type KieErrorKind, type TaskRecord } from '../../src/kie/index.js';
import { messages } from '../../src/messages.js';

const TIMEOUT_MS = 10 * 60_000;
/** What the member reads: the failure's code, rendered. */
const failureMessage = (error: unknown, jobTimeoutMs: number): string => messages.failure(failureReason(error, jobTimeoutMs));
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function failedRecord(failMsg: string | null): TaskRecord {
  return {
    taskId: 'task-1',
    state: 'fail',
    resultUrls: [],
    failCode: '500',
    failMsg,
    costTimeSeconds: 12,
    createTime: 1_700_000_000_000,
    completeTime: 1_700_000_012_000,
    creditsConsumed: null,
  };
}

const kieError = (kind: KieErrorKind, extra: Partial<ConstructorParameters<typeof KieError>[0]> = {}) =>
  new KieError({ kind, message: `internal detail for ${kind} at /srv/app/src/kie/client.ts:42`, ...extra });

// A Record forces this table to name every kind: a new kind without a sentence fails to compile.
const expected: Record<KieErrorKind, string> = {
  credits: messages.outOfCredits,
  auth: messages.misconfigured,
  forbidden_model: messages.misconfigured,
  validation: messages.promptRejected(),
  rate_limited: messages.serviceBusy,
  task_failed: messages.generationFailed(),
  generation_failed: messages.generationFailed(),
  task_timeout: messages.timedOut(TIMEOUT_MS),
  not_found: messages.serviceUnavailable,
  bad_response: messages.serviceUnavailable,
  unavailable: messages.serviceUnavailable,
  server: messages.serviceUnavailable,
  network: messages.serviceUnavailable,
  timeout: messages.serviceUnavailable,
};

describe('failureMessage', () => {
  it.each(Object.entries(expected) as Array<[KieErrorKind, string]>)('maps %s to its sentence', (kind, sentence) => {
    const error = kieError(kind);
    const message = failureMessage(error, TIMEOUT_MS);
    expect(message).toBe(sentence);
    expect(message).not.toContain(error.message);
    expect(message).not.toContain('/srv/app');
  });

  it('reports the job timeout it was given', () => {
    expect(failureMessage(kieError('task_timeout'), 90_000)).toBe(messages.timedOut(90_000));
    expect(messages.timedOut(90_000)).toContain('1m 30s');
  });

  it('says the request is uncertain when the task may have been created, whatever the kind', () => {
    for (const kind of ['network', 'timeout', 'server'] as const) {
      expect(failureMessage(kieError(kind, { maybeCreated: true }), TIMEOUT_MS)).toBe(messages.submitUncertain);
    }
  });

  it('reports a failed download as an unavailable image', () => {
    expect(failureMessage(new ImageDownloadError('HTTP 404', true), TIMEOUT_MS)).toBe(messages.imageUnavailable);
    expect(failureMessage(new ImageDownloadError('download timed out', false), TIMEOUT_MS)).toBe(messages.imageUnavailable);
  });

  it('hides anything else behind the generic sentence', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(failureMessage(bug, TIMEOUT_MS)).toBe(messages.unexpected);
    expect(failureMessage('a string', TIMEOUT_MS)).toBe(messages.unexpected);
    expect(failureMessage(undefined, TIMEOUT_MS)).toBe(messages.unexpected);
  });

  it("shows KIE's validation message", () => {
    const message = failureMessage(kieError('validation', { kieMessage: 'aspect ratio 5:4 is not supported' }), TIMEOUT_MS);
    expect(message).toBe(messages.promptRejected('aspect ratio 5:4 is not supported'));
  });

  it("prefers the task's failMsg over the envelope message", () => {
    const error = kieError('task_failed', { kieMessage: 'envelope text', record: failedRecord('Content flagged by the safety system') });
    expect(failureMessage(error, TIMEOUT_MS)).toBe(messages.generationFailed('Content flagged by the safety system'));
  });

  it('falls back to the envelope message when the record has no failMsg', () => {
    const error = kieError('task_failed', { kieMessage: 'internal error', record: failedRecord(null) });
    expect(failureMessage(error, TIMEOUT_MS)).toBe(messages.generationFailed('internal error'));
    expect(failureMessage(kieError('generation_failed', { kieMessage: 'model crashed' }), TIMEOUT_MS)).toBe(
      messages.generationFailed('model crashed'),
    );
  });

  it('shows a failMsg as one short plain line', () => {
    const failMsg = `**Bold** _it_ ~~gone~~ ||spoiler|| \`code\`\n> quote\r\nError: boom\n    at run (/srv/worker.js:1:1)\n${'x'.repeat(600)}`;
    const message = failureMessage(kieError('task_failed', { record: failedRecord(failMsg) }), TIMEOUT_MS);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).not.toMatch(/[*_~|`>]/);
    expect(message).toContain('Bold it gone spoiler code quote Error: boom at run');
    const detail = message.slice(messages.generationFailed('').length - '. Your quota was not used.'.length);
    expect(detail.length).toBeLessThanOrEqual(200 + '. Your quota was not used.'.length + 2);
    expect(message.length).toBeLessThan(messages.generationFailed('').length + 205);
    expect(message).toContain('…');
  });

  it('does not let a failMsg form a masked link', () => {
    const message = failureMessage(
      kieError('task_failed', { record: failedRecord('blocked: [claim your prize](https://phish.example/login)') }),
      TIMEOUT_MS,
    );
    expect(message).not.toMatch(/\[[^\]]*\]\(/);
    expect(message).toContain('claim your prize');
  });

  it('never cuts a character in half when shortening', () => {
    for (let padding = 190; padding <= 200; padding += 1) {
      const failMsg = `${'a'.repeat(padding)}${'😀'.repeat(20)}`;
      const message = failureMessage(kieError('task_failed', { record: failedRecord(failMsg) }), TIMEOUT_MS);
      expect(message, `padding ${padding}`).not.toMatch(LONE_SURROGATE);
      expect(message).toContain('…');
    }
  });

  it('omits a detail that is empty once cleaned', () => {
    const error = kieError('task_failed', { record: failedRecord(' **__** \n ') });
    expect(failureMessage(error, TIMEOUT_MS)).toBe(messages.generationFailed());
  });

  it('never includes a stack trace', () => {
    const errors: unknown[] = [
      ...(Object.keys(expected) as KieErrorKind[]).map((kind) => kieError(kind, { cause: new Error('inner') })),
      new ImageDownloadError('HTTP 500', false),
      new Error('plain'),
      new RangeError('range'),
    ];
    for (const error of errors) {
      const message = failureMessage(error, TIMEOUT_MS);
      expect(message).not.toMatch(/\n\s*at /);
      expect(message).not.toMatch(/\.(ts|js):\d+/);
      if (error instanceof Error && error.stack) expect(message).not.toContain(error.stack.split('\n')[1]?.trim() ?? '\u0000');
    }
  });
});
