import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../src/util/keyed-mutex.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedMutex', () => {
  it('runs tasks for one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${name}`);
      await tick();
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => mutex.run('guild', task(name))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(mutex.activeKeys).toBe(0);
  });

  it('lets different keys run at the same time', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let maxRunning = 0;
    const task = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      running--;
    };
    await Promise.all([mutex.run('one', task), mutex.run('two', task), mutex.run('three', task)]);
    expect(maxRunning).toBe(3);
  });

  it('keeps going after a task fails, and passes the failure to its caller only', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('guild', async () => {
      await tick();
      throw new Error('boom');
    });
    const next = mutex.run('guild', async () => 'next ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next ran');
    expect(mutex.activeKeys).toBe(0);
  });

  it('makes a read-modify-write safe: 100 concurrent increments all count', async () => {
    const mutex = new KeyedMutex();
    let stored = 0;
    await Promise.all(
      Array.from({ length: 100 }, () =>
        mutex.run('counter', async () => {
          const read = stored;
          await tick();
          stored = read + 1;
        }),
      ),
    );
    expect(stored).toBe(100);
  });
});
