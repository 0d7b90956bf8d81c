/**
 * The process entry, and the only module that reads the environment or chooses files.
 * app.js (CommonJS, required by Passenger or run by `node app.js`) calls `start()`.
 */
import { randomBytes } from 'node:crypto';
import { constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { parseConfig, type Config } from './config/index.ts';
import { realPathOfExisting } from './config/real-path.ts';
import { createApp } from './app.ts';
import { createFileAssets, type AssetStore } from './http/assets.ts';
import { dataDirCheck } from './health/data-dir.ts';
import type { HealthCheck } from './health/index.ts';
import { createRequestIds } from './http/request-id.ts';
import { serveConfigurationError } from './http/config-error.ts';
import { createClientAddress } from './http/client-ip.ts';
import { FRAMED_SERVER } from './http/framed-response.ts';
import { cookiePolicy } from './auth/cookies.ts';
import { createAuthService } from './auth/service.ts';
import { TokenService } from './auth/tokens.ts';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import { createDeviceCookies } from './auth/device.ts';
import { originPolicy } from './auth/csrf.ts';
import { openStore } from './store/open.ts';
import { createSqlJsLoader } from './db/sqljs.ts';
import { FONT_FILES } from './reports/font.ts';
import { createProcessRenderer } from './reports/report-process.ts';
import { heavySlots } from './server/heavy-slots.ts';
import { openFigures } from './figures/open.ts';
import { createProcessImporter } from './figures/import-process.ts';
import { seedIfEmpty } from './figures/seed.ts';
import { createFileStore } from './ratelimit/file-store.ts';
import { createLimiter } from './ratelimit/limiter.ts';
import { createMemoryStore } from './ratelimit/memory-store.ts';
import { createLogger, type Logger } from './log/index.ts';
import { registerInstance } from './instances/index.ts';
import { createTokenVerifier } from './wordpress/token.ts';
import { createBotDeps } from './bot/index.ts';

declare const PhusionPassenger: { on(event: 'exit', listener: () => void): void } | undefined;

export interface StartOptions {
  /** The folder holding app.js, package.json and dist/. */
  readonly appRoot: string;
}

export interface Running {
  readonly server: Server;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;
/** How long an access or info line may wait in the logger's buffer (warnings and errors do not). */
const LOG_HOLD_MS = 100;

export function start(options: StartOptions): Running | undefined {
  // Routine lines wait up to LOG_HOLD_MS to share a write (at low load nearly every request is
  // alone in its turn, and a write each is a system call each); what waits is written on exit.
  const logger = createLogger(process.stdout, { holdMs: LOG_HOLD_MS });
  process.on('exit', () => logger.flush());
  const underPassenger = typeof PhusionPassenger !== 'undefined';
  installCrashHandlers(logger);

  const result = parseConfig(process.env, { appRoot: options.appRoot, loadDevSecret: (dir) => loadDevSecret(dir, logger), realPath: realPathOfExisting, underPassenger });
  if (!result.ok) {
    for (const problem of result.problems) logger.error(`configuration: ${problem.variable} ${problem.message}`);
    if (underPassenger) {
      logger.error('configuration is invalid: answering 503 to every request until the app is restarted with a valid one');
      serveConfigurationError(result.problems, Number(process.env.PORT ?? 3000));
      return undefined;
    }
    logger.error('configuration is invalid: not starting (see the lines above)');
    logger.flush();
    process.exitCode = 1;
    return undefined;
  }

  const config = result.config;
  ensureDataDir(config.dataDir, logger);
  registerSelf(config.dataDir, logger);
  const assets = createFileAssets({ dir: path.join(__dirname, 'public'), basePath: config.basePath });
  const now = (): number => Math.floor(Date.now() / 1000);
  // Nothing here loads sql.js: the database opens on the first request that needs it.
  const wasmPath = path.join(__dirname, 'sql-wasm.wasm');
  const loadSql = createSqlJsLoader({ wasmPath });
  const { store, health: databaseHealth } = openStore({ dataDir: config.dataDir, wasmPath, loadSql, logger, now });
  const { figures, health: figuresHealth } = openFigures({ dataDir: config.dataDir, loadSql, logger, now });
  const tokens = new TokenService({
    secret: config.secretKey,
    previousSecret: config.secretKeyPrevious,
    accessTtl: config.accessTokenTtl,
    refreshTtl: config.refreshTokenTtl,
    now,
  });
  // Only when there is an admin to create: a plain production start stays lazy. After the
  // first turn, so that listening comes first; a sign-in waits for it rather than overtake it.
  // (Not a health check: /healthz would flap to 503 for half a second at every process start.)
  const startup =
    config.adminUsername !== null || config.env === 'development'
      ? new Promise<void>((resolve) => setImmediate(resolve)).then(() => bootstrapAdmin(store, config, logger))
      : undefined;
  const clientAddress = createClientAddress(config.trustProxy);
  const heavy = heavySlots(config, logger);
  const limiter = createLimiter({
    store:
      config.rateLimitStorage.kind === 'memory'
        ? createMemoryStore()
        : createFileStore({
            dir: config.rateLimitStorage.dir,
            onCapped: () => logger.warn('a rate-limit journal reached its size cap (a flood?): this window is counted in each process\'s memory until it ends'),
          }),
    failMode: config.rateLimitFail,
    logger,
  });
  const bot = createBotDeps({ config, store, logger, now });
  const app = createApp({
    config,
    logger,
    bot,
    assets,
    health: [...healthChecks(config, assets), databaseHealth, figuresHealth],
    newRequestId: createRequestIds(),
    auth: {
      service: createAuthService({ store, tokens, now, ...(startup === undefined ? {} : { startup }) }),
      devices: createDeviceCookies(config.secretKey),
      tokens,
      store,
      cookies: cookiePolicy(config),
      clientAddress,
      // Without PUBLIC_URL the connection's scheme is the visitor's only when no proxy stands between.
      origin: originPolicy({ publicOrigin: config.publicUrl?.origin ?? null, behindProxy: underPassenger || config.trustProxy.kind !== 'none' }),
    },
    rateLimit: {
      limiter,
      defaultRule: { name: 'default', windows: config.rateLimitDefault },
      loginRule: { name: 'login', windows: config.rateLimitLogin },
      pdfRule: { name: 'pdf', windows: config.rateLimitPdf },
      importRule: { name: 'import', windows: config.rateLimitImport },
      clientAddress,
    },
    ...(config.wpSsoSecret === null || config.wpUrl === null
      ? {}
      : { wordpress: { url: config.wpUrl, verify: createTokenVerifier({ secret: config.wpSsoSecret, issuer: config.wpUrl, now }), adminRoles: config.wpAdminRoles } }),
    dashboard: {
      figures,
      organisation: config.orgName,
      renderReport: createProcessRenderer({ script: path.join(__dirname, 'report-worker.cjs'), fontDir: path.join(__dirname, 'fonts'), slots: heavy }),
      today: () => new Date().toISOString().slice(0, 10),
      clock: () => new Date(),
      importCsv: createProcessImporter({ script: path.join(__dirname, 'import-worker.cjs'), dataDir: config.dataDir, slots: heavy }),
    },
  });

  // FramedResponse: the headers of every response, written in one go (http/framed-response.ts).
  const server = serve({ fetch: app.fetch, port: config.port, ...FRAMED_SERVER }, (info) => {
    logger.info('listening', {
      port: underPassenger ? 'passenger' : info.port,
      env: config.env,
      base: config.basePath === '' ? '/' : config.basePath,
      data: config.dataDir,
      node: process.version,
    });
  }) as Server;
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.error('cannot listen', { port: config.port, code: error.code ?? 'unknown' });
    logger.flush();
    process.exit(1);
  });

  const close = gracefulShutdown(server, logger, underPassenger);
  // Development: a year of sample figures, so `npm start` shows a living dashboard.
  if (config.env === 'development') {
    setImmediate(() => {
      seedIfEmpty(figures, { endDate: new Date().toISOString().slice(0, 10) }).then(
        (seeded) => {
          if (seeded !== undefined) logger.info('development: imported sample figures', { records: seeded.rows, from: seeded.from, to: seeded.to });
        },
        (error: unknown) => logger.warn('development: could not import sample figures', { error: error instanceof Error ? error.message : 'unknown' }),
      );
    });
  }
  return { server, close };
}

function gracefulShutdown(server: Server, logger: Logger, underPassenger: boolean): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      logger.info('shutting down: finishing requests in flight');
      const force = setTimeout(() => {
        logger.warn('shutdown grace period over: closing remaining connections');
        server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        logger.info('stopped');
        logger.flush();
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  const stop = (): void => {
    void close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Passenger asks its Node processes to leave through this event, not a signal.
  if (underPassenger && PhusionPassenger !== undefined) PhusionPassenger.on('exit', stop);
  return close;
}

function healthChecks(config: Config, assets: AssetStore): HealthCheck[] {
  return [
    dataDirCheck(config.dataDir),
    {
      name: 'reports',
      async check() {
        try {
          await access(path.join(__dirname, 'fonts', FONT_FILES.regular), constants.R_OK);
          await access(path.join(__dirname, 'report-worker.cjs'), constants.R_OK);
        } catch {
          throw new Error('the PDF report files (dist/report-worker.cjs, dist/fonts) are missing: run npm run build');
        }
      },
    },
    {
      name: 'assets',
      async check() {
        if (assets.url('app.css') === undefined) throw new Error('built browser assets are missing: run npm run build');
      },
    },
  ];
}

/** Creates DATA_DIR (private to the app's user) if missing; /healthz reports it if that fails. */
function ensureDataDir(dir: string, logger: Logger): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    logger.error('cannot create DATA_DIR', { dir, code: (error as NodeJS.ErrnoException).code ?? 'unknown' });
  }
}

/** DATA_DIR/run/<pid>.json, so that `restore` knows the app runs; removed on a clean exit (a killed process's entry is judged stale by its pid). */
function registerSelf(dataDir: string, logger: Logger): void {
  try {
    process.on('exit', registerInstance(dataDir));
  } catch (error) {
    logger.warn('cannot register this process in DATA_DIR/run: restore will not see it running', { code: (error as NodeJS.ErrnoException).code ?? 'unknown' });
  }
}

/**
 * Development only: a random SECRET_KEY kept in DATA_DIR so sessions survive restarts.
 * Created with O_EXCL so that several processes starting at once agree on one key.
 */
function loadDevSecret(dataDir: string, logger: Logger): string {
  const file = path.join(dataDir, 'dev-secret.key');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    logger.warn(`SECRET_KEY is not set: generated a development secret in ${file} (set SECRET_KEY in production)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret) < 32) throw Object.assign(new Error('development secret too short'), { code: 'ESHORT' });
  return secret;
}

function installCrashHandlers(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection', { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  });
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception: exiting', { error: error.stack ?? error.message });
    logger.flush();
    process.exit(1);
  });
}
