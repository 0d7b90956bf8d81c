/**
 * The logger: one line per event, written once per turn of the event loop (or, with a hold, for
 * routine lines, once the hold is over), when its buffer fills, or on flush(); in UTF-8, never
 * split across lines by what it is given.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { createLogger, createMemoryLogger } from '../../src/log/index.ts';
import { ROOT } from '../helpers/process.ts';

const T = Date.UTC(2026, 10, 27, 7, 30, 0, 123);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function recording(maxBuffer?: number, holdMs?: number) {
  const chunks: Buffer[] = [];
  let clock = T;
  const logger = createLogger(
    { write: (chunk) => chunks.push(Buffer.from(chunk)) },
    { now: () => clock, ...(maxBuffer === undefined ? {} : { maxBuffer }), ...(holdMs === undefined ? {} : { holdMs }) },
  );
  return {
    logger,
    chunks,
    text: () => Buffer.concat(chunks).toString('utf8'),
    tick: (ms: number) => (clock += ms),
  };
}

describe('logger', () => {
  test("a turn's lines are written together at its end, each with its timestamp and level", async () => {
    const { logger, chunks, text, tick } = recording();
    logger.access('GET /healthz 200 0.4ms id=a-1');
    logger.info('database opened', { file: '/data/dashboard.sqlite', ms: 12 });
    tick(1);
    logger.warn('disk nearly full', { free: '3 %' });
    assert.equal(chunks.length, 0, 'nothing written within the turn');
    await nextTurn();
    assert.equal(chunks.length, 1, 'one write for the turn');
    assert.equal(
      text(),
      '2026-11-27T07:30:00.123Z INFO GET /healthz 200 0.4ms id=a-1\n' +
        '2026-11-27T07:30:00.123Z INFO database opened file=/data/dashboard.sqlite ms=12\n' +
        '2026-11-27T07:30:00.124Z WARN disk nearly full free="3 %"\n',
    );
  });

  test('flush() writes at once (before exiting); an empty buffer writes nothing', () => {
    const { logger, chunks, text } = recording();
    logger.flush();
    assert.equal(chunks.length, 0);
    logger.error('shutting down');
    logger.flush();
    assert.equal(text(), '2026-11-27T07:30:00.123Z ERROR shutting down\n');
  });

  test('UTF-8 throughout, also across a full buffer and for a line larger than the buffer', async () => {
    const { logger, chunks, text } = recording(256);
    const lines: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const message = `서울 지점 ${i} — ${'é'.repeat(i)}`;
      logger.info(message);
      lines.push(`2026-11-27T07:30:00.123Z INFO ${message}`);
    }
    const long = `${'한'.repeat(300)} end`;
    logger.info(long);
    lines.push(`2026-11-27T07:30:00.123Z INFO ${long}`);
    await nextTurn();
    assert.ok(chunks.length > 2, `the 256-byte buffer was written when full (${chunks.length} writes)`);
    for (const chunk of chunks) assert.equal(chunk.toString('utf8').at(-1), '\n', 'every write ends at a line end');
    assert.equal(text(), `${lines.join('\n')}\n`);
  });

  test('holdMs: routine lines of several turns share one write, made once the hold is over', async () => {
    const { logger, chunks, text } = recording(undefined, 200);
    logger.access('GET /healthz 200 0.1ms id=a-1');
    await nextTurn();
    logger.info('imported', { rows: 3 });
    await nextTurn();
    assert.equal(chunks.length, 0, 'nothing written at the end of either turn');
    await sleep(400);
    assert.equal(chunks.length, 1, 'one write for both');
    assert.equal(text(), '2026-11-27T07:30:00.123Z INFO GET /healthz 200 0.1ms id=a-1\n2026-11-27T07:30:00.123Z INFO imported rows=3\n');
    logger.access('GET / 200 0.2ms id=a-2');
    await sleep(400);
    assert.equal(chunks.length, 2, 'a later line starts a new hold');
  });

  test('holdMs: a warning or an error is written at the end of its turn, with the lines that waited', async () => {
    for (const level of ['warn', 'error'] as const) {
      const { logger, chunks, text } = recording(undefined, 60_000);
      logger.access('GET /healthz 200 0.1ms id=a-1');
      await nextTurn();
      assert.equal(chunks.length, 0);
      logger[level]('disk full');
      await nextTurn();
      assert.equal(chunks.length, 1, level);
      assert.equal(text(), `2026-11-27T07:30:00.123Z INFO GET /healthz 200 0.1ms id=a-1\n2026-11-27T07:30:00.123Z ${level.toUpperCase()} disk full\n`);
    }
  });

  test('holdMs: the hold does not keep a process alive, and a flush on exit writes what waited', async () => {
    // As server.ts does: a long hold, process.on('exit', flush); the process then has nothing left to do.
    const script = [
      "const { createLogger } = require('./src/log/index.ts');",
      'const logger = createLogger(process.stdout, { holdMs: 60000 });',
      "process.on('exit', () => logger.flush());",
      "logger.access('GET /last 200 0.1ms id=z-9');",
    ].join('\n');
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /^\S+ INFO GET \/last 200 0\.1ms id=z-9\n$/);
    assert.ok(Date.now() - started < 20_000, `exited after ${Date.now() - started} ms, not after the hold`);
  });

  test('a message or field cannot start a line of its own (log injection)', () => {
    const logger = createMemoryLogger();
    logger.warn('bad login\n2026-01-01T00:00:00.000Z INFO admin signed in', { user: 'x\ny', note: 'a "quoted" one' });
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, / WARN bad login 2026-01-01T00:00:00\.000Z INFO admin signed in user="x\\ny" note="a \\"quoted\\" one"$/);
  });
});
