import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { CreditMonitor } from '../../src/kie/credit-monitor.js';
import { createLogger } from '../../src/log.js';

function monitor() {
  let now = 1_000_000;
  let reads = 0;
  let release: (() => void) | undefined;
  let hold = false;
  const credits = new CreditMonitor({
    getCredits: async () => {
      reads += 1;
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      return 5;
    },
    threshold: 100,
    servers: () => [],
    warn: async () => true,
    kv: new Keyv(),
    now: () => now,
    logger: createLogger({ level: 'silent' }),
  });
  return {
    credits,
    reads: () => reads,
    advance: (ms: number) => (now += ms),
    holdReads: () => (hold = true),
    releaseRead: () => {
      hold = false;
      release?.();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('CreditMonitor after a 402', () => {
  it('checks even when a regular check ran a moment ago', async () => {
    const m = monitor();
    await m.credits.check();
    m.advance(1_000);
    m.credits.paymentRequired();
    await settle();
    expect(m.reads()).toBe(2);
  });

  it('makes one check for every 402 of a 30 s window, and another after it', async () => {
    const m = monitor();
    m.credits.paymentRequired();
    await settle();
    for (let i = 0; i < 5; i++) {
      m.advance(5_000);
      m.credits.paymentRequired();
    }
    await settle();
    expect(m.reads()).toBe(1);
    m.advance(5_001);
    m.credits.paymentRequired();
    await settle();
    expect(m.reads()).toBe(2);
  });

  it('a 402 during a regular check runs a fresh check after it, not the one under way', async () => {
    const m = monitor();
    m.holdReads();
    const regular = m.credits.check();
    m.credits.paymentRequired();
    await settle();
    expect(m.reads()).toBe(1);
    m.releaseRead();
    await regular;
    await settle();
    expect(m.reads()).toBe(2);
  });
});
