/** The defences' configuration (src/config/bot.ts): defaults, `off`, and every bad value reported with its variable. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import { DEFAULT_UA_PATTERN } from '../../src/config/bot.ts';

const ctx = { appRoot: '/srv/app', loadDevSecret: () => 'dev-'.padEnd(64, 'x') };

test('defaults: adaptive work at 20,000 up to 250,000, honeypot on with 1 s, the data API guarded', () => {
  const result = parseConfig({}, ctx);
  assert.ok(result.ok);
  const c = result.config;
  assert.deepEqual(
    [c.botPow, c.botPowDifficulty, c.botPowMaxDifficulty, c.botHoneypot, c.botFormMinMs, c.botUaPattern, c.dataApiMaxPageSize, c.dataApiMaxDays, c.dataApiSameOrigin],
    ['adaptive', 20_000, 250_000, true, 1000, DEFAULT_UA_PATTERN, 200, 3660, true],
  );
  assert.deepEqual(c.dataApiRequests?.map((w) => [w.limit, w.windowSeconds]), [[600, 3600], [4000, 86_400]]);
  assert.deepEqual(c.dataApiRows?.map((w) => [w.limit, w.windowSeconds]), [[20_000, 3600], [100_000, 86_400]]);
});

test('each can be switched off or set', () => {
  const result = parseConfig(
    { BOT_POW: 'always', BOT_POW_DIFFICULTY: '5000', BOT_POW_MAX_DIFFICULTY: '5000', BOT_HONEYPOT: 'off', BOT_FORM_MIN_MS: '0', BOT_UA_PATTERN: 'off', DATA_API_REQUESTS: 'off', DATA_API_ROWS: '100/minute', DATA_API_MAX_PAGE_SIZE: '50', DATA_API_MAX_DAYS: '366', DATA_API_SAME_ORIGIN: 'off' },
    ctx,
  );
  assert.ok(result.ok);
  const c = result.config;
  assert.deepEqual(
    [c.botPow, c.botPowDifficulty, c.botPowMaxDifficulty, c.botHoneypot, c.botFormMinMs, c.botUaPattern, c.dataApiRequests, c.dataApiRows?.[0]?.limit, c.dataApiMaxPageSize, c.dataApiMaxDays, c.dataApiSameOrigin],
    ['always', 5000, 5000, false, 0, null, null, 100, 50, 366, false],
  );
});

test('bad values: one problem per variable, all together', () => {
  const result = parseConfig(
    { BOT_POW_DIFFICULTY: '12', BOT_HONEYPOT: 'maybe', BOT_FORM_MIN_MS: '-1', BOT_UA_PATTERN: '(unclosed', DATA_API_REQUESTS: 'lots', DATA_API_MAX_PAGE_SIZE: '500', DATA_API_MAX_DAYS: '0', DATA_API_SAME_ORIGIN: 'yes please' },
    ctx,
  );
  assert.ok(!result.ok);
  assert.deepEqual(result.problems.map((p) => p.variable).sort(), [
    'BOT_FORM_MIN_MS',
    'BOT_HONEYPOT',
    'BOT_POW_DIFFICULTY',
    'BOT_UA_PATTERN',
    'DATA_API_MAX_DAYS',
    'DATA_API_MAX_PAGE_SIZE',
    'DATA_API_REQUESTS',
    'DATA_API_SAME_ORIGIN',
  ]);
  assert.ok(result.problems.every((p) => p.hint !== undefined), 'each has its hint for the 503 page');
  const lower = parseConfig({ BOT_POW_DIFFICULTY: '5000', BOT_POW_MAX_DIFFICULTY: '4000' }, ctx);
  assert.ok(!lower.ok);
  assert.deepEqual(lower.problems.map((p) => p.variable), ['BOT_POW_MAX_DIFFICULTY']);
});
