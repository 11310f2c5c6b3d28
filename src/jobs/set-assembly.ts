import { untilAborted } from '../util/deadline.js';
import type { JobIn } from './job.js';

/** An image of a set at the end of its own work: its task's image, or its failure (its unit already back). */
export type SetMember = JobIn<'delivering' | 'failed'>;

interface Gathering {
  expected: number;
  members: SetMember[];
  /** Resolved once the last member has delivered (or given up on) the set. */
  finished: Promise<void>;
  finish: () => void;
}

/**
 * Where the images of a set (/imagine count) wait for each other: every member arrives when its own task
 * is done or failed, and the last to arrive delivers them all in one message while the others wait for
 * that. All members of a set run in one process (started together, resumed together by the process that
 * owns their server), so this lives in memory; the ledger keeps each member until the set is settled.
 */
export class SetAssembly {
  private readonly gatherings = new Map<string, Gathering>();

  /** How many members will arrive: the set's size when it starts, the members still in the ledger when it resumes. */
  expect(setId: string, count: number): void {
    const gathering = this.gatherings.get(setId);
    if (gathering) gathering.expected = count;
    else this.gatherings.set(setId, open(count));
  }

  /**
   * The member is done with its own work. The last to arrive gets every member, and must call `finished`
   * when the set is settled; the others get undefined once it has. Shutdown (`signal`) lets a waiting
   * member go at once (it stays in the ledger for the next start).
   */
  async arrive(member: SetMember, signal: AbortSignal): Promise<{ members: SetMember[]; finished: () => void } | undefined> {
    const setId = member.set?.id;
    if (setId === undefined) throw new Error(`job ${member.id} is not part of a set`);
    let gathering = this.gatherings.get(setId);
    if (!gathering) {
      gathering = open(member.set?.size ?? 1);
      this.gatherings.set(setId, gathering);
    }
    gathering.members = [...gathering.members.filter((other) => other.id !== member.id), member];
    if (gathering.members.length >= gathering.expected) {
      const done = gathering;
      this.gatherings.delete(setId);
      return { members: [...done.members].sort(bySetIndex), finished: done.finish };
    }
    await untilAborted(gathering.finished, signal);
    return undefined;
  }
}

function open(expected: number): Gathering {
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  return { expected, members: [], finished, finish };
}

function bySetIndex(a: SetMember, b: SetMember): number {
  return (a.set?.index ?? 0) - (b.set?.index ?? 0);
}
