import { describe, expect, it } from 'vitest';
import { addDays, lastDays, nextUtcMidnight, utcDay } from '../../src/quota/day.js';

const at = (iso: string) => Date.parse(iso);

describe('UTC days', () => {
  it('utcDay names the UTC calendar day, whatever the local zone', () => {
    expect(utcDay(at('2024-03-10T00:00:00.000Z'))).toBe('2024-03-10');
    expect(utcDay(at('2024-03-10T23:59:59.999Z'))).toBe('2024-03-10');
    expect(utcDay(at('2024-03-10T23:30:00-05:00'))).toBe('2024-03-11');
  });

  it('nextUtcMidnight is the start of the following UTC day', () => {
    expect(nextUtcMidnight(at('2024-03-10T12:34:56Z'))).toBe(at('2024-03-11T00:00:00Z'));
    expect(nextUtcMidnight(at('2024-03-10T00:00:00Z'))).toBe(at('2024-03-11T00:00:00Z'));
    expect(nextUtcMidnight(at('2024-03-10T23:59:59.999Z'))).toBe(at('2024-03-11T00:00:00Z'));
    expect(nextUtcMidnight(at('2024-12-31T18:00:00Z'))).toBe(at('2025-01-01T00:00:00Z'));
  });

  it('lastDays lists n days, today first, across month and leap-day boundaries', () => {
    expect(lastDays(at('2024-03-02T08:00:00Z'), 4)).toEqual(['2024-03-02', '2024-03-01', '2024-02-29', '2024-02-28']);
    expect(lastDays(at('2024-03-02T08:00:00Z'), 1)).toEqual(['2024-03-02']);
    expect(lastDays(at('2024-03-02T08:00:00Z'), 0)).toEqual([]);
  });

  it('addDays shifts a day string both ways and rejects other text', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-03-10', -8)).toBe('2024-03-02');
    expect(() => addDays('10/03/2024', 1)).toThrow(RangeError);
  });
});
