import { IssuedCardWriter, MAX_PENDING_CARDS } from '../../src/feedback/write-behind';
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
  const nth = (index: number) => {
    const entry = writes[index];
    if (!entry) throw new Error(`expected a write #${index}, got ${writes.length} writes`);
    return entry;
  };
  return { writes, write, nth };
}

/** One turn of the event loop (the writer starts its write on the next one). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('issued cards written behind', () => {
  test('adding never waits: records of one turn share one write, after that turn', async () => {
    const { writes, write, nth } = controlledWrites();
    const writer = new IssuedCardWriter(write, () => undefined);
    writer.add(cards('a', 2));
    writer.add(cards('b'));
    expect(writes).toHaveLength(0);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(nth(0).uuids).toEqual(['a-0', 'a-1', 'b-0']);
    nth(0).finish();
  });

  test('records added during a write share the next; flush waits for both', async () => {
    const { writes, write, nth } = controlledWrites();
    const writer = new IssuedCardWriter(write, () => undefined);
    writer.add(cards('a'));
    await nextTurn();
    writer.add(cards('b'));
    writer.add(cards('c'));
    let flushed = false;
    const flush = writer.flush().then(() => (flushed = true));
    nth(0).finish();
    await nextTurn();
    expect(nth(1).uuids).toEqual(['b-0', 'c-0']);
    expect(flushed).toBe(false);
    nth(1).finish();
    await flush;
    expect(writes).toHaveLength(2);
    expect(writer.backlog).toBe(0);
  });

  test('a failed write is reported lost with its cards and the next write still happens', async () => {
    const { write, nth } = controlledWrites();
    const lost: { uuids: string[]; error: unknown }[] = [];
    const writer = new IssuedCardWriter(write, (batch, error) =>
      lost.push({ uuids: batch.map((card) => card.cardUuid), error }),
    );
    writer.add(cards('a', 2));
    await nextTurn();
    writer.add(cards('b'));
    const failure = new Error('connection lost');
    nth(0).fail(failure);
    await nextTurn();
    nth(1).finish();
    await writer.flush();
    expect(lost).toEqual([{ uuids: ['a-0', 'a-1'], error: failure }]);
  });

  test('a write holds at most 1000 cards', async () => {
    const { write, nth } = controlledWrites();
    const writer = new IssuedCardWriter(write, () => undefined);
    writer.add(cards('a', 1500));
    await nextTurn();
    expect(nth(0).uuids).toHaveLength(1000);
    nth(0).finish();
    await nextTurn();
    expect(nth(1).uuids).toHaveLength(500);
    nth(1).finish();
    await writer.flush();
  });

  test('flush with nothing queued resolves at once; an empty list writes nothing', async () => {
    const { writes, write } = controlledWrites();
    const writer = new IssuedCardWriter(write, () => undefined);
    writer.add([]);
    await writer.flush();
    await nextTurn();
    expect(writes).toHaveLength(0);
  });

  test('behind a store that does not answer, the queue stops growing: further records are reported lost', async () => {
    const { write, nth } = controlledWrites();
    const lost: number[] = [];
    const writer = new IssuedCardWriter(write, (batch) => lost.push(batch.length));
    writer.add(cards('a', 1000));
    await nextTurn();
    // The first write hangs; the queue fills up to its bound.
    writer.add(cards('b', MAX_PENDING_CARDS));
    expect(writer.backlog).toBe(MAX_PENDING_CARDS);
    writer.add(cards('c', 2));
    expect(lost).toEqual([2]);
    expect(writer.backlog).toBe(MAX_PENDING_CARDS);
    nth(0).finish();
    for (let index = 1; index <= MAX_PENDING_CARDS / 1000; index += 1) {
      await nextTurn();
      nth(index).finish();
    }
    await writer.flush();
    expect(writer.backlog).toBe(0);
  });
});
