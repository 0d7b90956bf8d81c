/**
 * The app factory. Everything it needs is handed in (configuration, logger, assets, health
 * checks, clock, ids): it reads no environment and opens no file, so tests build as many apps
 * as they like in one process, and the same code runs standalone and under Passenger.
 */
import { Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import type { CookiePolicy } from './auth/cookies.ts';
import type { DeviceCookies } from './auth/device.ts';
import type { OriginPolicy } from './auth/csrf.ts';
import { authPages } from './auth/pages.ts';
import { dashboardPages } from './dashboard/pages.ts';
import { authRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';
import type { TokenService } from './auth/tokens.ts';
import type { Store } from './store/index.ts';
import { addressKey, type Limiter } from './ratelimit/limiter.ts';
import type { Rule } from './ratelimit/store.ts';
import type { ClientAddress } from './http/client-ip.ts';
import type { Config } from './config/index.ts';
import type { Logger } from './log/index.ts';
import { createAllowedMethods } from './http/allowed-methods.ts';
import type { AssetStore } from './http/assets.ts';
import { AppError } from './http/errors.ts';
import { createErrorRenderer } from './http/error-response.ts';
import type { HealthCheck } from './health/index.ts';
import { createHealth } from './http/health.ts';
import type { AppEnv } from './http/context.ts';
import { frame } from './http/frame.ts';
import { BODY_METHODS, createBodyLimits } from './http/body.ts';
import { homeRoutes } from './http/home.ts';
import { adminRoutes, IMPORT_BODY_LIMIT } from './admin/index.ts';
import { adminPages } from './admin/pages.ts';
import { dashboardApi } from './dashboard/api.ts';
import { exportRoutes } from './dashboard/export.ts';
import type { Figures } from './figures/figures.ts';
import { createInProcessImporter, type CsvImporter } from './figures/importer.ts';
import type { ReportInput } from './reports/report.ts';
import { reportRoutes } from './dashboard/report.ts';
import { staticRoutes } from './http/static.ts';
import { createSso } from './wordpress/sso.ts';
import { wordpressRoutes, wordpressStartUrl } from './wordpress/routes.ts';
import type { WordPressClaims } from './wordpress/token.ts';
import { blockedAddresses } from './bot/blocks.ts';
import type { RefusalRecorder } from './bot/refusals.ts';
import { robotsRoute } from './bot/robots.ts';
import { createDataGuard, type DataApiPolicy } from './bot/scrape.ts';
import type { SignInGuard } from './bot/signin.ts';
import type { AgentSignal } from './bot/user-agent.ts';

export type AppConfig = Pick<Config, 'basePath' | 'production'>;

export interface AppDeps {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly assets: AssetStore;
  readonly health?: readonly HealthCheck[];
  readonly newRequestId: () => string;
  /** Milliseconds, monotonic; injected so tests can freeze time. */
  readonly now?: () => number;
  /** Largest request body accepted by default, in bytes. */
  readonly bodyLimit?: number;
  /** Sign-in: routes, pages, sessions. Without it the app serves only health, assets and a status page. */
  readonly auth?: AuthDeps;
  /** Request limits: the default per client address on every route (but health and assets), and sign-in's. */
  readonly rateLimit?: RateLimitDeps;
  /** The figures, their API, PDF reports and the admin API (needs `auth`). */
  readonly dashboard?: DashboardDeps;
  /** WordPress single sign-on (needs `auth`); off, and POST /auth/wordpress a 404, without it. */
  readonly wordpress?: WordPressDeps;
  /** The anti-bot and anti-scraping defences (src/bot/; needs `auth`). */
  readonly bot?: BotDeps;
}

export interface WordPressDeps {
  /** WP_URL: the tokens' issuer, the only origin whose form posts are accepted, where sign-in starts. */
  readonly url: string;
  /** Checks a token from the plugin (wordpress/token.ts). */
  readonly verify: (token: string) => Promise<WordPressClaims>;
  /** WP_SSO_ADMIN_ROLES. */
  readonly adminRoles: readonly string[];
}

export interface BotDeps {
  /** Refusals counted and audited (every defence records through it). */
  readonly refusals: RefusalRecorder;
  /** Proof of work, honeypot and timing on sign-in. */
  readonly signIn?: SignInGuard;
  /** BOT_FORM_MIN_MS, for the sign-in page's script. */
  readonly formMinMs?: number;
  /** Scraping limits on the data API. */
  readonly dataApi?: DataApiPolicy;
  readonly agent: AgentSignal;
}

export interface DashboardDeps {
  readonly figures: Figures;
  /** ORG_NAME: the page header and the reports. */
  readonly organisation: string;
  readonly renderReport: (input: ReportInput) => Promise<Uint8Array>;
  /** Today as YYYY-MM-DD (UTC). */
  readonly today: () => string;
  /** Wall clock for "generated at". */
  readonly clock: () => Date;
  /** CSV imports; in this process when omitted (the server runs them in a child process). */
  readonly importCsv?: CsvImporter;
}

export interface RateLimitDeps {
  readonly limiter: Limiter;
  readonly defaultRule: Rule;
  readonly loginRule: Rule;
  /** Per user; the default applies when omitted. */
  readonly pdfRule?: Rule;
  readonly importRule?: Rule;
  readonly clientAddress: ClientAddress;
}

export interface AuthDeps {
  readonly service: AuthService;
  /** Device cookies, so per-username sign-in limits cannot lock the real user out (auth/device.ts). */
  readonly devices?: DeviceCookies;
  readonly tokens: TokenService;
  readonly store: Store;
  readonly cookies: CookiePolicy;
  readonly clientAddress: ClientAddress;
  /** PUBLIC_URL's origin, or what is knowable without it (auth/csrf.ts); host-only when omitted. */
  readonly origin?: OriginPolicy;
}

/** Under BASE_PATH nothing matches this: requests outside the prefix end as 404. */
const OUTSIDE = '/\u0000outside';

/** Paths no request limit applies to: monitoring and cached assets (limiting them protects nothing and breaks pages). */
function isOpenPath(path: string): boolean {
  return path === '/healthz' || path === '/robots.txt' || path.startsWith('/assets/');
}

/**
 * The app: a Hono instance whose `fetch` (and so `request()`) runs every request through the
 * frame (http/frame.ts). Unlimited paths are served by a second router that has no limiter, so that
 * exemption is a matter of routing, and a lone synchronous handler keeps Hono's fast path.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { basePath } = deps.config;
  // Passenger hands us the full path (/dashboard/healthz). Routes are written without the
  // prefix; both /dashboard and /dashboard/ are the app's root.
  const routePath = (request: Request): string => {
    const path = getPath(request);
    if (basePath === '') return path;
    if (path === basePath) return '/';
    return path.startsWith(basePath) && path.charCodeAt(basePath.length) === 47 /* / */ ? path.slice(basePath.length) : OUTSIDE;
  };
  const open = new Hono<AppEnv>({ getPath: routePath });
  const app = new Hono<AppEnv>({ getPath: routePath });
  const renderError = createErrorRenderer({ logger: deps.logger, assets: deps.assets, basePath });

  open.get('/healthz', createHealth(deps.health ?? [], deps.now ?? (() => performance.now())));
  staticRoutes(open, deps.assets);
  robotsRoute(open);

  const bodyLimits = deps.dashboard === undefined ? undefined : { '/api/admin/imports': IMPORT_BODY_LIMIT };
  app.on(BODY_METHODS, '*', createBodyLimits(deps.bodyLimit ?? 1024 * 1024, bodyLimits));
  // Blocked addresses first: refused before they count against any limit or cost anything more.
  if (deps.bot !== undefined && deps.auth !== undefined) {
    app.use(blockedAddresses({ store: deps.auth.store, clientAddress: deps.auth.clientAddress, refusals: deps.bot.refusals }));
  }
  if (deps.rateLimit !== undefined) {
    const { limiter, defaultRule, clientAddress } = deps.rateLimit;
    app.use(limiter.middleware(defaultRule, (c) => `ip:${addressKey(clientAddress(c))}`));
  }
  if (deps.auth === undefined) homeRoutes(app, { assets: deps.assets, basePath });
  else {
    authRoutes(app, {
      ...deps.auth,
      basePath,
      ...(deps.rateLimit === undefined ? {} : { limits: { limiter: deps.rateLimit.limiter, login: deps.rateLimit.loginRule } }),
      ...(deps.bot?.signIn === undefined ? {} : { bot: deps.bot.signIn }),
    });
    const sso = deps.wordpress;
    if (sso !== undefined) {
      wordpressRoutes(app, {
        sso: createSso({ store: deps.auth.store, auth: deps.auth.service, verify: sso.verify, adminRoles: sso.adminRoles }),
        cookies: deps.auth.cookies,
        tokens: deps.auth.tokens,
        sessionMaxAge: deps.auth.tokens.refreshTtl,
        clientAddress: deps.auth.clientAddress,
        basePath,
        wordpressUrl: sso.url,
        ...(deps.rateLimit === undefined ? {} : { limits: { limiter: deps.rateLimit.limiter, login: deps.rateLimit.loginRule } }),
      });
    }
    authPages(app, {
      ...deps.auth,
      assets: deps.assets,
      basePath,
      ...(deps.bot?.signIn === undefined ? {} : { bot: deps.bot.signIn }),
      ...(deps.bot?.formMinMs === undefined ? {} : { formMinMs: deps.bot.formMinMs }),
      ...(sso === undefined ? {} : { wordpressStart: (next: string) => wordpressStartUrl(sso.url, next) }),
    });
    const pages = { ...deps.auth, assets: deps.assets, basePath, organisation: deps.dashboard?.organisation ?? 'Members\u2019 dashboard' };
    dashboardPages(app, pages);
    adminPages(app, { ...pages, ...(sso === undefined ? {} : { wordpressStepUp: wordpressStartUrl(sso.url, `${basePath}/admin`, { stepUp: true }) }) });
    if (deps.dashboard !== undefined) dashboardRoutes(app, deps.auth, deps.dashboard, deps.rateLimit, deps.bot);
  }

  for (const router of [open, app]) {
    const allowedMethods = createAllowedMethods(router);
    router.notFound((c) => {
      const allowed = c.req.path === OUTSIDE ? [] : allowedMethods(c.req.path);
      if (allowed.length > 0) throw new AppError('method_not_allowed', { headers: { Allow: allowed.join(', ') } });
      throw new AppError('not_found');
    });
    router.onError(renderError);
  }

  const toOpen = open.fetch;
  const toApp = app.fetch;
  app.fetch = frame(deps, (request) => (isOpenPath(routePath(request)) ? toOpen : toApp));
  return app;
}

function dashboardRoutes(app: Hono<AppEnv>, auth: AuthDeps, dashboard: DashboardDeps, rateLimit: RateLimitDeps | undefined, bot: BotDeps | undefined): void {
  const limiter = rateLimit?.limiter;
  const guard =
    bot?.dataApi === undefined
      ? undefined
      : createDataGuard({ policy: bot.dataApi, refusals: bot.refusals, agent: bot.agent, clientAddress: auth.clientAddress, ...(limiter === undefined ? {} : { limiter }) });
  dashboardApi(app, { ...auth, ...dashboard, ...(guard === undefined ? {} : { guard }) });
  exportRoutes(app, { ...auth, ...dashboard, ...(guard === undefined ? {} : { guard }) });
  reportRoutes(app, {
    ...auth,
    ...dashboard,
    ...(limiter === undefined || rateLimit?.pdfRule === undefined ? {} : { limits: { limiter, pdf: rateLimit.pdfRule } }),
  });
  adminRoutes(app, {
    ...auth,
    ...(bot === undefined ? {} : { refusals: bot.refusals }),
    figures: dashboard.figures,
    importCsv: dashboard.importCsv ?? createInProcessImporter(dashboard.figures),
    ...(limiter === undefined || rateLimit?.importRule === undefined ? {} : { limits: { limiter, import: rateLimit.importRule } }),
  });
}
