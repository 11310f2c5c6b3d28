import { describe, expect, it } from 'vitest';
import { deferVerdict, median, percentile } from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('takes the nearest-rank percentile', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 99)).toBe(5);
    expect(percentile(values, 1)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('gives the middle of an odd count and the mean of the two middles of an even one', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([192, 216])).toBe(204);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('the defer target', () => {
  it('passes at up to 1.25 times the floor and not above the naive baseline', () => {
    expect(deferVerdict({ oursP99: 125, floorP99: 100, naiveP99: 125 })).toEqual({ ratio: 1.25, withinRatio: true, notAboveNaive: true });
  });

  it('misses above 1.25 times the floor, or above the naive baseline', () => {
    expect(deferVerdict({ oursP99: 130, floorP99: 100, naiveP99: 120 })).toEqual({ ratio: 1.3, withinRatio: false, notAboveNaive: false });
  });

  it('leaves the baseline comparison open when no baseline ran', () => {
    expect(deferVerdict({ oursP99: 90, floorP99: 100 }).notAboveNaive).toBeUndefined();
  });
});
