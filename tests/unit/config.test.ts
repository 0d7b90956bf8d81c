import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { normaliseBasePath, parseConfig, parseDuration, parseRate, type ConfigProblem, type ConfigResult } from '../../src/config/index.ts';
import { configurationErrorPage } from '../../src/http/config-error.ts';

/** As `openssl rand -hex 32` makes one: production refuses keys that are long but not random. */
const SECRET = '3e7f146cd6861f91dba64af951ae7b5d4c4f09cf8761c2fc1bb730aca88e42fb';
const ctx = { appRoot: '/srv/app', loadDevSecret: () => 'dev-'.padEnd(64, 'x') };

function only(result: ConfigResult, variable: string): ConfigProblem {
  assert.ok(!result.ok, 'refused');
  const found = result.problems.filter((p) => p.variable === variable);
  assert.equal(found.length, 1, `one problem for ${variable}: ${JSON.stringify(result.problems)}`);
  return found[0]!;
}

function problems(result: ConfigResult): string[] {
  return result.ok ? [] : result.problems.map((p) => p.variable);
}

describe('parseDuration', () => {
  test('reads seconds, minutes, hours, days and weeks', () => {
    assert.deepEqual(parseDuration('90s'), { ok: true, value: 90 });
    assert.deepEqual(parseDuration('15m'), { ok: true, value: 900 });
    assert.deepEqual(parseDuration('12h'), { ok: true, value: 43_200 });
    assert.deepEqual(parseDuration('14d'), { ok: true, value: 1_209_600 });
    assert.deepEqual(parseDuration('2w'), { ok: true, value: 1_209_600 });
    assert.deepEqual(parseDuration(' 5 M '), { ok: true, value: 300 });
  });
  test('refuses bare numbers, unknown units, zero and junk with a precise reason', () => {
    assert.match(fail(parseDuration('900')), /needs a unit/);
    assert.match(fail(parseDuration('15x')), /unknown unit "x"/);
    assert.match(fail(parseDuration('0m')), /longer than zero/);
    assert.match(fail(parseDuration('fifteen minutes')), /whole number followed by a unit/);
    assert.match(fail(parseDuration('-5m')), /whole number/);
  });
});

describe('parseRate', () => {
  test("reads Flask-Limiter's notation", () => {
    assert.deepEqual(value(parseRate('5/minute')), [{ limit: 5, windowSeconds: 60, text: '5/60s' }]);
    assert.deepEqual(value(parseRate('100 per hour')), [{ limit: 100, windowSeconds: 3600, text: '100/3600s' }]);
    assert.deepEqual(value(parseRate('10 per 2 hours')), [{ limit: 10, windowSeconds: 7200, text: '10/7200s' }]);
    assert.deepEqual(
      value(parseRate('50/day;5/minute')).map((w) => [w.limit, w.windowSeconds]),
      [
        [5, 60],
        [50, 86_400],
      ],
    );
    assert.deepEqual(
      value(parseRate('1/second, 20/2 seconds ; 3/2 minutes')).map((w) => w.windowSeconds),
      [1, 2, 120],
    );
  });
  test('refuses what it cannot read', () => {
    assert.match(fail(parseRate('')), /is empty/);
    assert.match(fail(parseRate('5/minit')), /unknown unit "minit"/);
    assert.match(fail(parseRate('five/minute')), /cannot read "five\/minute"/);
    assert.match(fail(parseRate('0/minute')), /at least 1/);
    assert.match(fail(parseRate('5/minute;6/minute')), /same window twice/);
  });
});

describe('normaliseBasePath', () => {
  test('keeps a clean prefix without its trailing slash', () => {
    assert.equal(normaliseBasePath('/'), '');
    assert.equal(normaliseBasePath('/dashboard'), '/dashboard');
    assert.equal(normaliseBasePath('/dashboard/'), '/dashboard');
    assert.equal(normaliseBasePath('/org/members-area'), '/org/members-area');
  });
  test('refuses relative, dotted and odd paths', () => {
    for (const bad of ['dashboard', '/a/../b', '/./x', '/a b', '/a?x', '//evil.example', '/a%2f']) {
      assert.equal(normaliseBasePath(bad), undefined, bad);
    }
  });
});

describe('parseConfig', () => {
  test('embedded defaults run a development server with a generated secret', () => {
    const result = parseConfig({}, ctx);
    assert.ok(result.ok);
    const c = result.config;
    assert.equal(c.env, 'development');
    assert.equal(c.production, false);
    assert.equal(c.port, 3000);
    assert.equal(c.basePath, '');
    assert.equal(c.dataDir, '/srv/app/data');
    assert.equal(c.devSecret, true);
    assert.equal(c.accessTokenTtl, 900);
    assert.equal(c.refreshTokenTtl, 14 * 86_400);
    assert.deepEqual(c.trustProxy, { kind: 'none' }, 'run standalone, no proxy is trusted by default');
    assert.deepEqual(c.rateLimitStorage, { kind: 'file', dir: '/srv/app/data/ratelimit' });
    assert.equal(c.rateLimitFail, 'open');
    assert.equal(c.botPow, 'adaptive');
    assert.equal(c.rateLimitDefault[0]?.limit, 300);
    assert.equal(c.rateLimitLogin.length, 2);
  });

  test('the result is frozen, deeply', () => {
    const result = parseConfig({}, ctx);
    assert.ok(result.ok);
    assert.ok(Object.isFrozen(result.config));
    assert.ok(Object.isFrozen(result.config.rateLimitLogin));
    assert.ok(Object.isFrozen(result.config.rateLimitLogin[0]));
    assert.throws(() => {
      (result.config as { port: number }).port = 1;
    }, TypeError);
  });

  test('BASE_PATH falls back to PASSENGER_BASE_URI, and wins over it', () => {
    const fromPassenger = parseConfig({ PASSENGER_BASE_URI: '/dashboard' }, ctx);
    assert.ok(fromPassenger.ok);
    assert.equal(fromPassenger.config.basePath, '/dashboard');
    const explicit = parseConfig({ PASSENGER_BASE_URI: '/dashboard', BASE_PATH: '/members/' }, ctx);
    assert.ok(explicit.ok);
    assert.equal(explicit.config.basePath, '/members');
    assert.deepEqual(problems(parseConfig({ PASSENGER_BASE_URI: 'nope' }, ctx)), ['PASSENGER_BASE_URI']);
  });

  test('production refuses to start without SECRET_KEY and never generates one', () => {
    let generated = false;
    const result = parseConfig({ NODE_ENV: 'production', DATA_DIR: '/srv/data' }, { ...ctx, loadDevSecret: () => ((generated = true), 'x') });
    assert.deepEqual(problems(result), ['SECRET_KEY']);
    assert.equal(generated, false);
    const ok = parseConfig({ NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: '/srv/data' }, ctx);
    assert.ok(ok.ok);
    assert.equal(ok.config.production, true);
    assert.equal(ok.config.devSecret, false);
  });

  test('reports every problem together, naming each variable', () => {
    const result = parseConfig(
      {
        NODE_ENV: 'staging',
        DATA_DIR: '/srv/data',
        PORT: '70000',
        BASE_PATH: 'dashboard',
        SECRET_KEY: 'short',
        SECRET_KEY_PREVIOUS: 'short',
        ACCESS_TOKEN_TTL: 'bogus',
        REFRESH_TOKEN_TTL: '5q',
        TRUST_PROXY: '10.0.0.1, nonsense',
        RATE_LIMIT_DEFAULT: '300/minit',
        RATE_LIMIT_LOGIN: '',
        RATE_LIMIT_STORAGE: 'redis://localhost',
        RATE_LIMIT_FAIL: 'maybe',
        WP_SSO_SECRET: 'short',
        WP_URL: 'ftp://example.org',
        BOT_POW: 'sometimes',
        ADMIN_USERNAME: 'admin',
      },
      ctx,
    );
    assert.deepEqual(problems(result).sort(), [
      'ACCESS_TOKEN_TTL',
      'ADMIN_PASSWORD',
      'BASE_PATH',
      'BOT_POW',
      'NODE_ENV',
      'PORT',
      'RATE_LIMIT_DEFAULT',
      'RATE_LIMIT_FAIL',
      'RATE_LIMIT_STORAGE',
      'REFRESH_TOKEN_TTL',
      'SECRET_KEY',
      'SECRET_KEY_PREVIOUS',
      'TRUST_PROXY',
      'WP_SSO_SECRET',
      'WP_URL',
    ]);
  });

  test('an empty RATE_LIMIT_LOGIN means the default, like any unset variable', () => {
    const result = parseConfig({ RATE_LIMIT_LOGIN: '   ' }, ctx);
    assert.ok(result.ok);
    assert.equal(result.config.rateLimitLogin.length, 2);
  });

  test('problem messages never contain a secret value', () => {
    const secret = 'tooShortButSecret';
    const result = parseConfig({ SECRET_KEY: secret, SECRET_KEY_PREVIOUS: secret, WP_SSO_SECRET: secret, ADMIN_USERNAME: 'a', ADMIN_PASSWORD: secret.slice(0, 5) }, ctx);
    assert.ok(!result.ok);
    for (const p of result.problems) assert.ok(!p.message.includes(secret.slice(0, 5)), p.message);
  });

  test('cross-field rules: refresh outlives access; SSO needs WP_URL; admin needs both halves', () => {
    assert.deepEqual(problems(parseConfig({ ACCESS_TOKEN_TTL: '1h', REFRESH_TOKEN_TTL: '30m' }, ctx)), ['REFRESH_TOKEN_TTL']);
    assert.deepEqual(problems(parseConfig({ WP_SSO_SECRET: SECRET }, ctx)), ['WP_URL']);
    assert.deepEqual(problems(parseConfig({ ADMIN_PASSWORD: 'long enough password' }, ctx)), ['ADMIN_USERNAME']);
    assert.deepEqual(problems(parseConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }, ctx)), ['ADMIN_PASSWORD']);
    const sso = parseConfig({ WP_SSO_SECRET: SECRET, WP_URL: 'https://example.org/' }, ctx);
    assert.ok(sso.ok);
    assert.equal(sso.config.wpUrl, 'https://example.org');
    assert.deepEqual(sso.config.wpAdminRoles, ['administrator']);
  });

  test('WP_SSO_ADMIN_ROLES: WordPress role names separated by commas', () => {
    const roles = parseConfig({ WP_SSO_ADMIN_ROLES: ' editor, shop_manager ,' }, ctx);
    assert.ok(roles.ok);
    assert.deepEqual(roles.config.wpAdminRoles, ['editor', 'shop_manager']);
    for (const bad of ['Editor', 'editor;admin', ',', 'a b']) assert.deepEqual(problems(parseConfig({ WP_SSO_ADMIN_ROLES: bad }, ctx)), ['WP_SSO_ADMIN_ROLES'], bad);
  });

  test('TRUST_PROXY defaults to passenger only when started by Passenger (standalone, X-Forwarded-For is the client\'s own)', () => {
    const under = parseConfig({}, { ...ctx, underPassenger: true });
    assert.ok(under.ok);
    assert.deepEqual(under.config.trustProxy, { kind: 'passenger' });
    const alone = parseConfig({}, { ...ctx, underPassenger: false });
    assert.ok(alone.ok);
    assert.deepEqual(alone.config.trustProxy, { kind: 'none' });
    const asked = parseConfig({ TRUST_PROXY: 'passenger' }, ctx);
    assert.ok(asked.ok);
    assert.deepEqual(asked.config.trustProxy, { kind: 'passenger' }, 'an explicit setting wins');
  });

  test('in production, a long but obviously non-random secret is refused, saying how to make one', () => {
    const prod = { NODE_ENV: 'production', DATA_DIR: '/srv/data' };
    for (const weak of ['a'.repeat(44), '0123456789'.repeat(4), 'a'.repeat(20) + 'b'.repeat(20), 'password'.repeat(5)]) {
      const result = parseConfig({ ...prod, SECRET_KEY: weak, SECRET_KEY_PREVIOUS: weak, WP_SSO_SECRET: weak, WP_URL: 'https://example.org' }, ctx);
      assert.deepEqual(problems(result), ['WP_SSO_SECRET', 'SECRET_KEY_PREVIOUS', 'SECRET_KEY'], weak);
      assert.match(only(result, 'SECRET_KEY').message, /far from random .* openssl rand -hex 32/);
      assert.ok(!only(result, 'SECRET_KEY').message.includes(weak));
    }
    assert.ok(parseConfig({ ...prod, SECRET_KEY: randomBytes(32).toString('hex') }, ctx).ok);
    assert.ok(parseConfig({ ...prod, SECRET_KEY: randomBytes(24).toString('base64url') }, ctx).ok);
    assert.ok(parseConfig({ SECRET_KEY: 'a'.repeat(44) }, ctx).ok, 'development keys protect nothing real');
  });

  test('TRUST_PROXY takes passenger, none or addresses; storage takes file:// and memory://', () => {
    const list = parseConfig({ TRUST_PROXY: '10.0.0.1, ::1', RATE_LIMIT_STORAGE: 'memory://' }, ctx);
    assert.ok(list.ok);
    assert.deepEqual(list.config.trustProxy, { kind: 'list', addresses: ['10.0.0.1', '::1'] });
    assert.deepEqual(list.config.rateLimitStorage, { kind: 'memory' });
    const file = parseConfig({ TRUST_PROXY: 'none', RATE_LIMIT_STORAGE: 'file://rl' }, ctx);
    assert.ok(file.ok);
    assert.deepEqual(file.config.trustProxy, { kind: 'none' });
    assert.deepEqual(file.config.rateLimitStorage, { kind: 'file', dir: '/srv/app/rl' });
  });

  test('PUBLIC_URL: an absolute http(s) URL, its origin kept for the Origin check, its path the same as BASE_PATH', () => {
    const sub = parseConfig({ PUBLIC_URL: 'https://Dashboard.Example.org/' }, ctx);
    assert.ok(sub.ok);
    assert.deepEqual(sub.config.publicUrl, { href: 'https://dashboard.example.org', origin: 'https://dashboard.example.org' });
    const path = parseConfig({ PUBLIC_URL: 'https://example.org:8443/dashboard/', BASE_PATH: '/dashboard' }, ctx);
    assert.ok(path.ok);
    assert.deepEqual(path.config.publicUrl, { href: 'https://example.org:8443/dashboard', origin: 'https://example.org:8443' });
    const passenger = parseConfig({ PUBLIC_URL: 'https://example.org/dashboard', PASSENGER_BASE_URI: '/dashboard' }, ctx);
    assert.ok(passenger.ok);
    const unset = parseConfig({}, ctx);
    assert.ok(unset.ok);
    assert.equal(unset.config.publicUrl, null);

    const message = (env: Record<string, string>): string => {
      const result = parseConfig(env, ctx);
      assert.deepEqual(problems(result), ['PUBLIC_URL'], JSON.stringify(env));
      const problem = (result as { problems: readonly ConfigProblem[] }).problems[0]!;
      assert.match(problem.hint ?? '', /https:\/\/dashboard\.example\.org/, 'a hint saying what to put there');
      return problem.message;
    };
    assert.match(message({ PUBLIC_URL: 'example.org/dashboard' }), /absolute URL/);
    assert.match(message({ PUBLIC_URL: 'ftp://example.org' }), /https:\/\//);
    assert.match(message({ PUBLIC_URL: 'https://example.org/?x=1' }), /query/);
    assert.match(message({ PUBLIC_URL: 'https://example.org/#top' }), /fragment/);
    assert.match(message({ PUBLIC_URL: 'https://example.org/?' }), /query/, 'even an empty one');
    assert.match(message({ PUBLIC_URL: 'https://user:pw@example.org' }), /user name or password/);
    assert.match(message({ PUBLIC_URL: 'https://example.org/dash', BASE_PATH: '/dashboard' }), /path \/dash but BASE_PATH is \/dashboard/);
    assert.match(message({ PUBLIC_URL: 'https://example.org/', PASSENGER_BASE_URI: '/dashboard' }), /path \/ but PASSENGER_BASE_URI is \/dashboard/);
    assert.match(message({ PUBLIC_URL: 'https://example.org/dashboard' }), /path \/dashboard but BASE_PATH is \//, 'a path with the app at the root');
    assert.match(message({ NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: '/srv/data', PUBLIC_URL: 'http://example.org' }), /https:\/\/ in production/);
    assert.ok(parseConfig({ NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: '/srv/data', PUBLIC_URL: 'http://localhost:3000' }, ctx).ok, 'loopback over http');
  });

  test('a broken configuration leaves no development secret behind', () => {
    let generated = false;
    const result = parseConfig({ PORT: 'x' }, { ...ctx, loadDevSecret: () => ((generated = true), 'x'.repeat(64)) });
    assert.deepEqual(problems(result), ['PORT']);
    assert.equal(generated, false);
  });

  test('a development secret that cannot be written is reported against SECRET_KEY', () => {
    const result = parseConfig({}, {
      ...ctx,
      loadDevSecret: () => {
        throw Object.assign(new Error('read-only'), { code: 'EROFS' });
      },
    });
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.variable, 'SECRET_KEY');
    assert.match(result.problems[0]?.message ?? '', /EROFS/);
  });
});

describe('unfilled and dangerous settings', () => {

  test('a DATA_DIR still holding the template placeholder is refused before anything touches the disk', () => {
    let touched = false;
    for (const NODE_ENV of ['development', 'production']) {
      const result = parseConfig({ NODE_ENV, SECRET_KEY: SECRET, DATA_DIR: '__DATA_DIR__' }, { ...ctx, loadDevSecret: () => ((touched = true), 'x'.repeat(64)) });
      assert.deepEqual(problems(result), ['DATA_DIR'], NODE_ENV);
      const problem = only(result, 'DATA_DIR');
      assert.match(problem.message, /still holds the placeholder __DATA_DIR__/);
      assert.match(problem.hint ?? '', /^an absolute folder outside public_html and outside the app folder, e\.g\. \/home\/USER\/dashboard-data$/);
    }
    const dev = parseConfig({ DATA_DIR: '/home/u/__DATA_DIR__/x' }, { ...ctx, loadDevSecret: () => ((touched = true), 'x'.repeat(64)) });
    assert.deepEqual(problems(dev), ['DATA_DIR']);
    assert.equal(touched, false, 'no development secret (and so no folder) was made');
  });

  test('any known variable holding a __NAME__ placeholder is refused; a secret\'s text is never echoed', () => {
    const secret = `${'s'.repeat(20)}__OURS__${'t'.repeat(20)}`;
    const result = parseConfig({ PASSENGER_BASE_URI: '__BASE_URI__', SECRET_KEY: secret, ORG_NAME: '__ORG__', ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: '__ADMIN_PASSWORD__' }, ctx);
    assert.deepEqual(problems(result).sort(), ['ADMIN_PASSWORD', 'ORG_NAME', 'PASSENGER_BASE_URI', 'SECRET_KEY']);
    assert.match(only(result, 'PASSENGER_BASE_URI').message, /placeholder __BASE_URI__/);
    const key = only(result, 'SECRET_KEY');
    assert.match(key.message, /a __NAME__ placeholder/);
    assert.ok(!key.message.includes('__OURS__') && !key.message.includes('ssss'), key.message);
    assert.match(key.hint ?? '', /openssl rand -hex 32/);
    // Unrelated variables are not ours to judge.
    assert.ok(parseConfig({ SOMETHING_ELSE: '__X__', PATH: '/__Y__/bin' }, ctx).ok);
  });

  test('a DATA_DIR under public_html or www is refused in every environment', () => {
    for (const DATA_DIR of ['/home/u/public_html/data', '/home/u/public_html/dashboard/data', '/home/u/www/dashboard-data', '../public_html/x']) {
      for (const NODE_ENV of ['development', 'production']) {
        const problem = only(parseConfig({ NODE_ENV, SECRET_KEY: SECRET, DATA_DIR }, ctx), 'DATA_DIR');
        assert.match(problem.message, /web-served folder \((public_html|www)\)/, DATA_DIR);
        assert.ok(!problem.message.includes('/home/u'), 'the value is not echoed');
      }
    }
    assert.ok(parseConfig({ DATA_DIR: '/home/u/public_html_backup/data' }, ctx).ok, 'only whole folder names count');
    // A VPS keeps its web root in /var/www/html: a folder beside it is not served.
    assert.ok(parseConfig({ DATA_DIR: '/var/www/dashboard-data' }, ctx).ok, 'www outside a home folder is not judged by its name');
  });

  test('in production DATA_DIR must be outside the app folder; unset, its default ./data is inside', () => {
    const prod = { NODE_ENV: 'production', SECRET_KEY: SECRET };
    for (const DATA_DIR of ['./data', '/srv/app/data', '/srv/app', 'dist/../data']) {
      assert.match(only(parseConfig({ ...prod, DATA_DIR }, ctx), 'DATA_DIR').message, /inside the app folder .* upgrade replaces/, DATA_DIR);
    }
    assert.match(only(parseConfig(prod, ctx), 'DATA_DIR').message, /required in production: the default \.\/data/);
    for (const DATA_DIR of ['/srv/app-data', '../dashboard-data', '/srv/..data', '/home/u/dashboard-data']) {
      assert.ok(parseConfig({ ...prod, DATA_DIR }, ctx).ok, DATA_DIR);
    }
    // Development runs from a checkout: ./data there is the default and stays.
    assert.ok(parseConfig({ DATA_DIR: './data' }, ctx).ok);
  });

  test('DATA_DIR is judged where symlinks really lead (a deploy\'s current, cPanel\'s www)', () => {
    const links: Record<string, string> = { '/home/u/current': '/home/u/releases/7', '/home/u/site': '/home/u/public_html' };
    const realPath = (p: string): string => {
      for (const [link, target] of Object.entries(links)) if (p === link || p.startsWith(`${link}/`)) return target + p.slice(link.length);
      return p;
    };
    const at = { ...ctx, appRoot: '/home/u/releases/7', realPath };
    const prod = { NODE_ENV: 'production', SECRET_KEY: SECRET };
    assert.match(only(parseConfig({ ...prod, DATA_DIR: '/home/u/current/data' }, at), 'DATA_DIR').message, /inside the app folder/);
    assert.match(only(parseConfig({ ...prod, DATA_DIR: '/home/u/site/data' }, at), 'DATA_DIR').message, /public_html/);
    assert.ok(parseConfig({ ...prod, DATA_DIR: '/home/u/shared/data' }, at).ok);
  });

  test('every problem carries a hint, and no hint holds the value', () => {
    const secret = 'tooShortButSecret';
    const result = parseConfig({ NODE_ENV: 'staging', PORT: 'x', SECRET_KEY: secret, WP_SSO_SECRET: secret, ACCESS_TOKEN_TTL: 'bogus', DATA_DIR: '/home/u/www/d' }, ctx);
    assert.ok(!result.ok);
    assert.ok(result.problems.length >= 6);
    for (const p of result.problems) {
      assert.ok(p.hint !== undefined && p.hint.length > 0, `${p.variable} has a hint`);
      for (const value of [secret, 'bogus', 'staging', '/home/u/www/d']) assert.ok(!p.hint.includes(value), `${p.variable}: ${p.hint}`);
    }
  });

  test('the 503 page names each variable once with what to put there, escaped, and never a value', () => {
    const result = parseConfig({ DATA_DIR: '__DATA_DIR__', ACCESS_TOKEN_TTL: 'bogus-ttl', SECRET_KEY: 'short-secret' }, ctx);
    assert.ok(!result.ok);
    const page = configurationErrorPage([...result.problems, { variable: 'DATA_DIR', hint: '<b>' }]);
    assert.match(page, /<li><code>DATA_DIR<\/code> \u2014 what to put there: an absolute folder outside public_html and outside the app folder, e\.g\. \/home\/USER\/dashboard-data<\/li>/);
    assert.match(page, /<li><code>ACCESS_TOKEN_TTL<\/code> \u2014 what to put there: a duration such as 15m/);
    assert.match(page, /<li><code>SECRET_KEY<\/code> \u2014 what to put there: a random value/);
    assert.equal(page.split('<code>DATA_DIR</code>').length, 2, 'named once');
    assert.ok(!page.includes('<b>'));
    for (const value of ['bogus-ttl', 'short-secret', '__DATA_DIR__']) assert.ok(!page.includes(value), value);
    assert.match(configurationErrorPage(['PORT']), /<li><code>PORT<\/code><\/li>/, 'names alone still work');
  });
});

function fail<T>(result: { ok: true; value: T } | { ok: false; error: string }): string {
  assert.equal(result.ok, false);
  return result.ok ? '' : result.error;
}
function value<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) assert.fail(result.error);
  return result.value;
}

describe('HEAVY_JOBS', () => {
  const base = { NODE_ENV: 'test', SECRET_KEY: randomBytes(32).toString('hex') };
  test('one PDF render or import at a time over the account by default; 1 to 16 accepted', () => {
    const read = (env: Record<string, string>): number => {
      const result = parseConfig({ ...base, ...env }, ctx);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
      return result.config.heavyJobs;
    };
    assert.equal(read({}), 1);
    assert.equal(read({ HEAVY_JOBS: '2' }), 2);
    assert.equal(read({ HEAVY_JOBS: '16' }), 16);
  });
  test('refuses zero, too many and junk, naming the variable', () => {
    for (const value of ['0', '17', '2.5', 'two', '-1', '']) {
      assert.deepEqual(problems(parseConfig({ ...base, HEAVY_JOBS: value }, ctx)), value === '' ? [] : ['HEAVY_JOBS'], value);
    }
  });
});
