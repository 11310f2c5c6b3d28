import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingAcknowledgements } from '../../src/discord/acknowledgements.js';

/** Whether a promise has settled after the microtasks queued so far have run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe('PendingAcknowledgements', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('with nothing pending, settles at once', async () => {
    vi.useFakeTimers();
    const pending = new PendingAcknowledgements();
    expect(await isSettled(pending.settled(1_000))).toBe(true);
  });

  it('waits for every command pending when asked, in any order', async () => {
    vi.useFakeTimers();
    const pending = new PendingAcknowledgements();
    const first = pending.begin();
    const second = pending.begin();
    expect(pending.size).toBe(2);
    const waiting = pending.settled(1_000);
    second();
    expect(await isSettled(waiting)).toBe(false);
    first();
    expect(await isSettled(waiting)).toBe(true);
    expect(pending.size).toBe(0);
  });

  it('does not wait for commands that arrive after it asked', async () => {
    vi.useFakeTimers();
    const pending = new PendingAcknowledgements();
    const early = pending.begin();
    const waiting = pending.settled(1_000);
    const late = pending.begin();
    early();
    expect(await isSettled(waiting)).toBe(true);
    expect(pending.size).toBe(1);
    late();
  });

  it('gives up waiting after the longest wait', async () => {
    vi.useFakeTimers();
    const pending = new PendingAcknowledgements();
    const stuck = pending.begin();
    const waiting = pending.settled(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await isSettled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isSettled(waiting)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    stuck();
  });

  it('answering twice counts once', async () => {
    vi.useFakeTimers();
    const pending = new PendingAcknowledgements();
    const answered = pending.begin();
    const other = pending.begin();
    answered();
    answered();
    expect(pending.size).toBe(1);
    const waiting = pending.settled(1_000);
    expect(await isSettled(waiting)).toBe(false);
    other();
    expect(await isSettled(waiting)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
