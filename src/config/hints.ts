/**
 * What to put in each variable: fixed, short texts for the 503 page an admin sees under
 * Passenger. Never built from the value (values may be secrets), so they are safe to show
 * anyone who opens the site while it is misconfigured.
 */
export const HINTS: Readonly<Record<string, string>> = {
  NODE_ENV: 'production (development only on your own computer)',
  PORT: 'nothing under Passenger (it hands the app its socket); otherwise a port number such as 3000',
  BASE_PATH: 'the URL path of the dashboard, e.g. /dashboard, or / on a subdomain of its own',
  PASSENGER_BASE_URI: 'the application URL path in cPanel\u2019s Node.js app settings, e.g. /dashboard',
  DATA_DIR: 'an absolute folder outside public_html and outside the app folder, e.g. /home/USER/dashboard-data',
  SECRET_KEY: 'a random value of at least 32 bytes, e.g. the output of: openssl rand -hex 32',
  SECRET_KEY_PREVIOUS: 'the former SECRET_KEY while keys rotate (at least 32 bytes), or nothing',
  ACCESS_TOKEN_TTL: 'a duration such as 15m (a number and one of s, m, h, d, w)',
  REFRESH_TOKEN_TTL: 'a duration longer than ACCESS_TOKEN_TTL, such as 14d',
  PUBLIC_URL: 'the dashboard\u2019s address as visitors type it, e.g. https://dashboard.example.org or https://example.org/dashboard (no ? or #; its path the same as BASE_PATH), or nothing',
  TRUST_PROXY: 'passenger (under Passenger), none, or the proxies\u2019 IP addresses separated by commas',
  RATE_LIMIT_DEFAULT: 'a rate such as 300/minute',
  RATE_LIMIT_LOGIN: 'a rate such as 5/minute;50/day',
  RATE_LIMIT_PDF: 'a rate such as 10/minute;100/day',
  RATE_LIMIT_IMPORT: 'a rate such as 30/hour',
  RATE_LIMIT_STORAGE: 'nothing (files in DATA_DIR), file://FOLDER or memory://',
  RATE_LIMIT_FAIL: 'open or closed',
  WP_SSO_SECRET: 'the same random value (at least 32 bytes) as DASHBOARD_SSO_SECRET in wp-config.php, or nothing',
  WP_URL: 'the WordPress site\u2019s address, e.g. https://example.org',
  WP_SSO_ADMIN_ROLES: 'WordPress roles that make a dashboard admin, separated by commas, e.g. administrator (the default)',
  BOT_POW: 'off, adaptive or always',
  BOT_POW_DIFFICULTY: 'a whole number such as 20000 (the proof of work\u2019s maxnumber)',
  BOT_POW_MAX_DIFFICULTY: 'a whole number such as 250000, at least BOT_POW_DIFFICULTY',
  BOT_HONEYPOT: 'on or off',
  BOT_FORM_MIN_MS: 'milliseconds, such as 1000',
  BOT_UA_PATTERN: 'a regular expression matched against the User-Agent, or off',
  DATA_API_REQUESTS: 'a rate such as 600/hour;4000/day, or off',
  DATA_API_ROWS: 'a rate such as 20000/hour;100000/day, or off',
  DATA_API_MAX_PAGE_SIZE: 'a whole number from 1 to 200',
  DATA_API_MAX_DAYS: 'a whole number of days from 1 to 3660',
  DATA_API_SAME_ORIGIN: 'on or off',
  ADMIN_USERNAME: 'a user name (letters, digits, . _ @ -) together with ADMIN_PASSWORD, or neither',
  ADMIN_PASSWORD: 'at least 12 characters together with ADMIN_USERNAME, or neither (remove it after the first start)',
  ORG_NAME: 'the organisation\u2019s name, at most 120 characters',
};

/** The .htaccess template's placeholders: safe to name, since they are ours and not a value. */
const TEMPLATE_PLACEHOLDERS = new Set(['__DATA_DIR__', '__APP_ROOT__', '__BASE_URI__', '__NODE_BINARY__']);
const PLACEHOLDER = /__[A-Z][A-Z0-9_]*__/;

/**
 * The problem with a value that still holds a template placeholder such as `__DATA_DIR__`, or
 * undefined. Only the template's own placeholders are named: anything else matched may be part
 * of a secret.
 */
export function placeholderProblem(value: string): string | undefined {
  const found = PLACEHOLDER.exec(value)?.[0];
  if (found === undefined) return undefined;
  const name = TEMPLATE_PLACEHOLDERS.has(found) ? `the placeholder ${found}` : 'a __NAME__ placeholder';
  return `still holds ${name} from the .htaccess template or .env example: replace it with a real value`;
}
