import { GroupCommit } from '../../src/feedback/group-commit';
import type { IssuedCard } from '../../src/store/types';

function cards(prefix: string, count = 1): IssuedCard[] {
  return Array.from({ length: count }, (_, index) => ({
    cardUuid: `${prefix}-${index}`,
    serviceId: 'fls-patient-view',
    hook: 'patient-view',
    recommendationCode: 'FLS-CA-VITD',
    suggestionUuids: [],
    issuedAt: new Date('2026-11-22T10:00:00Z'),
  }));
}

/** A store write that finishes only when the test says so. */
function controlledWrites() {
  const writes: { uuids: string[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const write = (batch: readonly IssuedCard[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      writes.push({ uuids: batch.map((card) => card.cardUuid), finish: resolve, fail: reject });
    });
  /** The n-th write the store received (fails the test when there was none). */
  const nth = (index: number) => {
    const entry = writes[index];
    if (!entry) throw new Error(`expected a write #${index}, got ${writes.length} writes`);
    return entry;
  };
  return { writes, write, nth };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit (issued cards written once per group of waiting requests)', () => {
  it('writes on the next turn when idle, and resolves only when the write has finished', async () => {
    const { writes, write, nth } = controlledWrites();
    const commit = new GroupCommit(write);
    let done = false;
    const recorded = commit.record(cards('a')).then(() => (done = true));

    expect(writes).toHaveLength(0);
    await settle();
    expect(writes.map((w) => w.uuids)).toEqual([['a-0']]);
    await settle();
    expect(done).toBe(false);
    nth(0).finish();
    await recorded;
    expect(done).toBe(true);
  });

  it('lets the requests of one turn share one write', async () => {
    const { writes, write, nth } = controlledWrites();
    const commit = new GroupCommit(write);
    const recorded = [commit.record(cards('a')), commit.record(cards('b', 2))];
    await settle();
    expect(writes.map((w) => w.uuids)).toEqual([['a-0', 'b-0', 'b-1']]);
    nth(0).finish();
    await Promise.all(recorded);
  });

  it('lets the requests that arrive during a write share the next one', async () => {
    const { writes, write, nth } = controlledWrites();
    const commit = new GroupCommit(write);
    const first = commit.record(cards('a'));
    await settle();
    let laterDone = 0;
    const later = [commit.record(cards('b', 2)), commit.record(cards('c'))].map((p) =>
      p.then(() => (laterDone += 1)),
    );

    expect(writes).toHaveLength(1);
    nth(0).finish();
    await first;
    await settle();
    expect(writes.map((w) => w.uuids)).toEqual([['a-0'], ['b-0', 'b-1', 'c-0']]);
    expect(laterDone).toBe(0);
    nth(1).finish();
    await Promise.all(later);
    expect(laterDone).toBe(2);
  });

  it('fails only the requests of a failed write; the next group is written', async () => {
    const { write, nth } = controlledWrites();
    const commit = new GroupCommit(write);
    const first = commit.record(cards('a'));
    await settle();
    const second = commit.record(cards('b'));
    nth(0).fail(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await settle();
    expect(nth(1).uuids).toEqual(['b-0']);
    nth(1).finish();
    await expect(second).resolves.toBeUndefined();
  });

  it('splits a long queue into writes of at most 1000 cards, never splitting a request', async () => {
    const { writes, write, nth } = controlledWrites();
    const commit = new GroupCommit(write);
    const all = [commit.record(cards('a'))];
    await settle();
    for (const prefix of ['b', 'c', 'd']) all.push(commit.record(cards(prefix, 400)));
    nth(0).finish();
    await settle();
    expect(nth(1).uuids).toHaveLength(800);
    nth(1).finish();
    await settle();
    expect(nth(2).uuids).toEqual(cards('d', 400).map((card) => card.cardUuid));
    nth(2).finish();
    await Promise.all(all);
    expect(writes).toHaveLength(3);
  });
});
