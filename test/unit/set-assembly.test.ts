import { describe, expect, it } from 'vitest';
import type { JobIn } from '../../src/jobs/job.js';
import { ActiveJobCap } from '../../src/jobs/member-cap.js';
import { SetAssembly, type SetMember } from '../../src/jobs/set-assembly.js';
import { ledgerJob } from '../helpers/ledger-jobs.js';

const GUILD = '1100000000000000001';
const USER = '1200000000000000001';

function member(index: number, size = 3, phase: 'delivering' | 'failed' = 'delivering'): SetMember {
  const base = { ...ledgerJob(`img-${index}`, 1000 + index), set: { id: 'set-a', index, size } };
  if (phase === 'failed') return { ...base, phase: 'failed', failure: { code: 'service_busy' } } satisfies JobIn<'failed'>;
  return { ...base, phase: 'delivering', taskId: `task-${index}`, submittedAt: 1000, resultUrl: 'https://kie.example/result.png' } satisfies JobIn<'delivering'>;
}

describe('SetAssembly', () => {
  it('hands every member, in set order, to the last to arrive; the others return once it has finished', async () => {
    const sets = new SetAssembly();
    const signal = new AbortController().signal;
    sets.expect('set-a', 3);
    const waiting = [sets.arrive(member(2), signal), sets.arrive(member(0, 3, 'failed'), signal)];
    const last = await sets.arrive(member(1), signal);
    expect(last?.members.map(({ id, phase }) => [id, phase])).toEqual([
      ['img-0', 'failed'],
      ['img-1', 'delivering'],
      ['img-2', 'delivering'],
    ]);
    let returned = false;
    const others = Promise.all(waiting).then((results) => {
      returned = true;
      return results;
    });
    await Promise.resolve();
    expect(returned).toBe(false);
    last?.finished();
    expect(await others).toEqual([undefined, undefined]);
  });

  it('after a restart waits only for the members still in the ledger', async () => {
    const sets = new SetAssembly();
    const signal = new AbortController().signal;
    // Two of four left in the ledger: the others were settled before the restart.
    sets.expect('set-a', 2);
    const first = sets.arrive(member(1, 4), signal);
    const last = await sets.arrive(member(3, 4), signal);
    expect(last?.members.map(({ id }) => id)).toEqual(['img-1', 'img-3']);
    last?.finished();
    expect(await first).toBeUndefined();
  });

  it('counts a member that arrives twice once', async () => {
    const sets = new SetAssembly();
    const signal = new AbortController().signal;
    sets.expect('set-a', 2);
    void sets.arrive(member(0, 2), signal);
    void sets.arrive(member(0, 2), signal);
    const last = await sets.arrive(member(1, 2), signal);
    expect(last?.members.map(({ id }) => id)).toEqual(['img-0', 'img-1']);
    last?.finished();
  });

  it('lets a waiting member go on shutdown (it stays in the ledger for the next start)', async () => {
    const sets = new SetAssembly();
    const shutdown = new AbortController();
    sets.expect('set-a', 3);
    const waiting = sets.arrive(member(0), shutdown.signal);
    shutdown.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});

describe('ActiveJobCap with sets', () => {
  it('counts a set as as many images as it asks for, all or none, and releases them together', () => {
    let running = 0;
    const cap = new ActiveJobCap(4, () => running);
    const three = cap.claim(GUILD, USER, 3);
    expect(three.ok).toBe(true);
    expect(cap.claim(GUILD, USER, 2)).toEqual({ ok: false, refusal: { code: 'too_many_in_progress', inProgress: 3, max: 4, requested: 2 } });
    const one = cap.claim(GUILD, USER);
    expect(one.ok).toBe(true);
    expect(cap.claim(GUILD, USER)).toEqual({ ok: false, refusal: { code: 'too_many_in_progress', inProgress: 4, max: 4 } });
    if (three.ok) three.release();
    // The set's three run now: the count moves from the claims to the running jobs.
    running = 3;
    expect(cap.claim(GUILD, USER).ok).toBe(false);
    running = 0;
    expect(cap.claim(GUILD, USER, 3).ok).toBe(true);
  });
});
