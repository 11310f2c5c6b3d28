import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAll } from '../../src/util/write-all.js';
import { rejectionOf } from '../helpers/rejection.js';

/** A file that takes at most `step` bytes per writev, as a nearly full disk might. */
function stingyFile(step: number) {
  const written: Buffer[] = [];
  const calls: number[] = [];
  return {
    written,
    calls,
    async writev(buffers: Buffer[]) {
      const all = Buffer.concat(buffers);
      calls.push(all.length);
      const taken = all.subarray(0, step);
      written.push(Buffer.from(taken));
      return { bytesWritten: taken.length };
    },
  };
}

describe('writeAll', () => {
  it('writes every chunk into a real file in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-write-all-'));
    try {
      const path = join(dir, 'out');
      const file = await open(path, 'w');
      await writeAll(file, [Buffer.from('abc'), Buffer.from(''), Buffer.from('defgh')]);
      await writeAll(file, [Buffer.from('ij')]);
      await file.close();
      expect(await readFile(path, 'utf8')).toBe('abcdefghij');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes again what a short write left, from the right byte, across chunk boundaries', async () => {
    const file = stingyFile(4);
    await writeAll(file, [Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]);
    expect(Buffer.concat(file.written).toString()).toBe('abcdefghij');
    expect(file.calls).toEqual([10, 6, 2]);
  });

  it('does nothing for no chunks', async () => {
    const file = stingyFile(4);
    await writeAll(file, []);
    expect(file.calls).toEqual([]);
  });

  it('fails instead of looping when the file takes nothing', async () => {
    const error = await rejectionOf(writeAll(stingyFile(0), [Buffer.from('abc')]), Error);
    expect(error.message).toBe('the file took no bytes');
  });
});
