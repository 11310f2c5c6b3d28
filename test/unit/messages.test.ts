import { describe, expect, it } from 'vitest';
import { formatDuration, messages } from '../../src/messages.js';

const resetsAt = Date.UTC(2026, 10, 27);

describe('quotaExceeded', () => {
  it('shows used/limit and the reset as Discord timestamps', () => {
    const text = messages.quotaExceeded({ used: 3, limit: 3, resetsAt });
    expect(text).toContain('(3/3)');
    expect(text).toContain(`<t:${resetsAt / 1000}:R>`);
    expect(text).toContain(`<t:${resetsAt / 1000}:t>`);
  });

  it('explains a limit lowered below what was already used instead of showing 3/2', () => {
    const text = messages.quotaExceeded({ used: 3, limit: 2, resetsAt });
    expect(text).not.toContain('3/2');
    expect(text).toContain('3 images today, more than your daily limit of 2');
  });

  it('says plainly when the limit is 0', () => {
    expect(messages.quotaExceeded({ used: 0, limit: 0, resetsAt })).toContain('your daily limit is 0');
  });
});

describe('serverCapReached', () => {
  it("says the server's shared cap is used up, with the cap and the reset", () => {
    const text = messages.refusal({ code: 'server_cap_reached', cap: 20, resetsAt });
    expect(text).toBe(messages.serverCapReached(20, resetsAt));
    expect(text).toContain('This server has used its 20 images for today');
    expect(text).toContain(`<t:${resetsAt / 1000}:R>`);
    expect(messages.serverCapReached(1, resetsAt)).toContain('its 1 image for today');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1_400, '1s'],
    [59_600, '1m'],
    [61_000, '1m 1s'],
    [600_000, '10m'],
  ])('%i ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
