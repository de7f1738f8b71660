/**
 * The service's log output (src/http/logger.ts logOutput): a write never throws and
 * never waits; after an error every line is dropped; a reader that lags holds at most
 * the bound in memory; flush at exit is bounded. (The process with real pipes:
 * test/process/log-output.test.ts.)
 */
import { Writable } from 'node:stream';
import { createLogger, logOutput } from '../../src/http/logger';

/** A stream whose reader takes the first `accept` chunks and then never reads again. */
function stalledStream(accept: number): Writable & { written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString('utf8'));
      if (written.length <= accept) callback();
      // else: never called back — the pipe is full and nobody reads.
    },
  });
  return Object.assign(stream, { written });
}

describe('logOutput', () => {
  test('lines reach the stream; pino writes through it', () => {
    const stream = stalledStream(1000);
    const output = logOutput(stream);
    createLogger('info', output).info({ code: 'x' }, 'hello');
    expect(stream.written).toHaveLength(1);
    expect(JSON.parse(stream.written[0] ?? '')).toMatchObject({ msg: 'hello', code: 'x' });
    expect(output.dropped()).toBe(0);
  });

  test('after an error on the stream (EPIPE) every line is dropped, and nothing throws', () => {
    const stream = stalledStream(1000);
    const output = logOutput(stream);
    const logger = createLogger('info', output);
    logger.info('before');
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(() => {
      logger.info('after 1');
      logger.error('after 2');
    }).not.toThrow();
    expect(stream.written).toHaveLength(1);
    expect(output.dropped()).toBe(2);
  });

  test('a write that throws (a full disk on a synchronous file stream) is dropped, not thrown', () => {
    const throwing = new Writable({ write: () => undefined });
    throwing.write = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    const output = logOutput(throwing);
    const logger = createLogger('info', output);
    expect(() => logger.info('one')).not.toThrow();
    expect(() => logger.info('two')).not.toThrow();
    expect(output.dropped()).toBe(2);
  });

  test('while more than the bound waits for a stalled reader, new lines are dropped', () => {
    const stream = stalledStream(0);
    const output = logOutput(stream, 1000);
    const logger = createLogger('info', output);
    for (let line = 0; line < 100; line += 1) logger.info({ line }, 'x'.repeat(50));
    // Lines are ~120 bytes: the buffer stops growing just past 1000 bytes.
    expect(stream.writableLength).toBeGreaterThan(1000);
    expect(stream.writableLength).toBeLessThan(1000 + 200);
    expect(output.dropped()).toBeGreaterThan(80);
  });

  test('flush resolves after its timeout when the reader never drains, at once when nothing waits', async () => {
    const idle = logOutput(stalledStream(1000));
    const started = performance.now();
    await idle.flush(5000);
    expect(performance.now() - started).toBeLessThan(1000);

    const stalled = stalledStream(0);
    const output = logOutput(stalled);
    createLogger('info', output).info('stuck');
    expect(stalled.writableLength).toBeGreaterThan(0);
    const waited = performance.now();
    await output.flush(50);
    expect(performance.now() - waited).toBeGreaterThanOrEqual(40);
  });
});
