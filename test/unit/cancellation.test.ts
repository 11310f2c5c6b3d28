import { describe, expect, it } from 'vitest';
import { encodeCustomId, parseCustomId } from '../../src/discord/custom-ids.js';
import { JobCancellations, JobCancelled } from '../../src/jobs/cancellation.js';
import type { JobRecord } from '../../src/jobs/job.js';

const job = { id: '6f1c2a9e-1b2c-4d5e-8f90-123456789abc', userId: '1', guildId: '2' } as JobRecord;
const owner = { userId: '1', mayManage: false };

describe('JobCancellations', () => {
  it('a press before the request leaves wins: the job is aborted with JobCancelled and may not send', () => {
    const cancels = new JobCancellations();
    const handle = cancels.register(job);
    const result = cancels.cancel(job.id, owner);
    expect(result.outcome).toBe('cancelled');
    expect(handle.signal.reason).toBeInstanceOf(JobCancelled);
    expect(handle.claimSend()).toBe(false);
  });

  it('a request that left first wins: the press is told the image has started, and nothing is aborted', () => {
    const cancels = new JobCancellations();
    const handle = cancels.register(job);
    expect(handle.claimSend()).toBe(true);
    expect(cancels.cancel(job.id, owner).outcome).toBe('started');
    expect(handle.signal.aborted).toBe(false);
    // KIE refused before creating: the job waits again and may be cancelled again.
    handle.reopen();
    expect(cancels.cancel(job.id, owner).outcome).toBe('cancelled');
  });

  it('only the member or a moderator may cancel; an ended job is unknown', () => {
    const cancels = new JobCancellations();
    const handle = cancels.register(job);
    expect(cancels.cancel(job.id, { userId: '9', mayManage: false }).outcome).toBe('not_allowed');
    expect(handle.signal.aborted).toBe(false);
    expect(cancels.cancel(job.id, { userId: '9', mayManage: true }).outcome).toBe('cancelled');
    handle.done();
    expect(cancels.cancel(job.id, owner).outcome).toBe('unknown');
  });

  it('the Cancel custom_id is versioned like the image buttons', () => {
    const id = encodeCustomId({ kind: 'cancel', jobId: job.id });
    expect(id).toBe(`img:v1:cancel:${job.id}`);
    expect(parseCustomId(id)).toEqual({ kind: 'cancel', jobId: job.id });
    expect(parseCustomId('img:v0:cancel:abc')).toBe('outdated');
  });
});
