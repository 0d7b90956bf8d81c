/**
 * A private Apache 2.4 + mod_passenger for one test: its own config file, port, pid file, logs,
 * lock and run folders and Passenger instance registry, all inside one temporary folder.
 * Nothing under /etc/apache2 is read or changed, and only the one chosen port is used.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { listProcesses, processTree, waitGone } from './processes.ts';

const run = promisify(execFile);
export const APACHE2CTL = '/usr/sbin/apache2ctl';
const MODULES = '/usr/lib/apache2/modules';

/**
 * The directives of cPanel's CloudLinux block that stock Passenger refuses in .htaccess
 * ("not allowed here"). CloudLinux's build allows them; in tests they move to the vhost.
 */
const VHOST_ONLY = /^\s*(PassengerAppRoot|PassengerBaseURI|PassengerNodejs|PassengerAppType|PassengerStartupFile)\b/;

/** Splits an .htaccess into what stays in the file and what stock Passenger needs in the vhost. */
export function splitHtaccess(text: string): { htaccess: string; vhost: string[] } {
  const lines = text.split('\n');
  return {
    htaccess: lines.filter((line) => !VHOST_ONLY.test(line)).join('\n'),
    vhost: lines.filter((line) => VHOST_ONLY.test(line)).map((line) => line.trim()),
  };
}

/** A port that was free a moment ago on 127.0.0.1 (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** PassengerRoot as Debian's package configures it. */
export function passengerRoot(): string {
  const conf = readFileSync('/etc/apache2/mods-available/passenger.conf', 'utf8');
  const root = /^\s*PassengerRoot\s+"?([^"\s]+)"?/m.exec(conf)?.[1];
  if (root === undefined) throw new Error('no PassengerRoot in /etc/apache2/mods-available/passenger.conf');
  return root;
}

export interface ApacheOptions {
  /** Folder for the config, logs, pid file, locks and Passenger's state. */
  readonly dir: string;
  readonly port: number;
  readonly docroot: string;
  /** Apache's own user (it reads the docroot and .htaccess files as this user). */
  readonly user: string;
  readonly group: string;
  /** Who Passenger runs the apps as when the startup file belongs to root. */
  readonly appUser: string;
  readonly appGroup: string;
  /** Processes running in or naming this folder count as this instance's (default: dir). */
  readonly scope?: string;
  /** Extra <Directory> blocks for the vhost: folder -> directives. */
  readonly directories: Readonly<Record<string, readonly string[]>>;
  /** Passenger's limit on app processes, all apps together (default 4). */
  readonly maxPoolSize?: number;
  /** Name-based virtual hosts on the same address and port (a subdomain's stand-in). */
  readonly virtualHosts?: readonly NamedHost[];
  /** PHP through mod_php (a real WordPress beside the app): Debian's mod_php needs the prefork MPM. */
  readonly php?: boolean;
}

/** Debian's mod_php (libapache2-mod-php), whatever PHP version it is built for; undefined without it. */
export function modPhp(): string | undefined {
  const name = existsSync(MODULES) ? readdirSync(MODULES).find((file) => /^libphp[\d.]*\.so$/.test(file)) : undefined;
  return name === undefined ? undefined : path.join(MODULES, name);
}

function phpConfig(): string {
  const module = modPhp();
  if (module === undefined) throw new Error(`no mod_php in ${MODULES} (apt-get install libapache2-mod-php)`);
  return `LoadModule php_module ${module}
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
DirectoryIndex index.php index.html
<FilesMatch "\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>`;
}

export interface NamedHost {
  /** Matched against the request's Host header, e.g. dashboard.localhost. */
  readonly serverName: string;
  readonly docroot: string;
  readonly directories: Readonly<Record<string, readonly string[]>>;
}

function directoryBlocks(directories: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directories)
    .map(([dir, lines]) => `  <Directory ${JSON.stringify(dir)}>\n${lines.map((l) => `    ${l}\n`).join('')}  </Directory>`)
    .join('\n');
}

const denyAll = `  <Directory />
    AllowOverride None
    Require all denied
  </Directory>`;

/** As on cPanel: .htaccess files in the site are read, with every override allowed. */
function siteRoot(docroot: string): string {
  return `  <Directory ${JSON.stringify(docroot)}>
    AllowOverride All
    Options FollowSymLinks
    Require all granted
  </Directory>`;
}

export function apacheConfig(o: ApacheOptions): string {
  const state = (name: string): string => JSON.stringify(path.join(o.dir, name));
  const modules = [o.php === true ? 'mpm_prefork' : 'mpm_event', 'authz_core', 'authz_host', 'mime', 'env', 'dir', 'rewrite'];
  // The first vhost for the address is the default one: a Host naming no other lands there.
  // As on cPanel (AllowOverride All on all of /home), the main docroot's .htaccess also applies
  // to a subdomain whose docroot lies inside it.
  const named = (o.virtualHosts ?? []).map(
    (h) => `\n<VirtualHost 127.0.0.1:${o.port}>\n  ServerName ${h.serverName}\n  DocumentRoot ${JSON.stringify(h.docroot)}\n${denyAll}\n${siteRoot(o.docroot)}\n${siteRoot(h.docroot)}\n${directoryBlocks(h.directories)}\n</VirtualHost>\n`,
  );
  return `# Written by tests/passenger/apache.ts: a private Apache for one test run.
ServerRoot ${JSON.stringify(o.dir)}
ServerName 127.0.0.1
Listen 127.0.0.1:${o.port}
PidFile ${state('run/apache2.pid')}
DefaultRuntimeDir ${state('run')}
Mutex file:${path.join(o.dir, 'lock')} default
ErrorLog ${state('logs/error.log')}
LogLevel warn
User ${o.user}
Group ${o.group}
Timeout 30
${modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`).join('\n')}
LoadModule passenger_module ${MODULES}/mod_passenger.so
TypesConfig /etc/mime.types
${o.php === true ? phpConfig() : ''}

PassengerRoot ${passengerRoot()}
PassengerInstanceRegistryDir ${state('passenger')}
PassengerSpawnDir ${state('spawn')}
PassengerDataBufferDir ${state('buffer')}
PassengerDefaultUser ${o.appUser}
PassengerDefaultGroup ${o.appGroup}
PassengerDisableSecurityUpdateCheck on
PassengerDisableAnonymousTelemetry on
PassengerMaxPoolSize ${o.maxPoolSize ?? 4}

<VirtualHost 127.0.0.1:${o.port}>
  DocumentRoot ${JSON.stringify(o.docroot)}
${denyAll}
${siteRoot(o.docroot)}
${directoryBlocks(o.directories)}
</VirtualHost>
${named.join('')}`;
}

export interface Apache {
  readonly url: string;
  readonly errorLogPath: string;
  errorLog(): string;
  /** The last `lines` lines of the error log, for failure messages. */
  tail(lines?: number): string;
  /** Stops Apache and every process it started; returns the pids that had to be killed. */
  stop(): Promise<number[]>;
}

/** Runs apache2ctl with only what it needs, so nothing from the test's environment reaches the app. */
async function apache2ctl(dir: string, confPath: string, action: 'start' | 'stop'): Promise<void> {
  // apache2ctl sources $APACHE_ENVVARS (by default /etc/apache2/envvars, which points the run
  // and lock folders at /var/run/apache2) and creates those folders: point them at ours.
  const envvars = path.join(dir, 'envvars');
  writeFileSync(
    envvars,
    ['RUN', 'LOCK', 'LOG'].map((k) => `export APACHE_${k}_DIR=${path.join(dir, k === 'LOG' ? 'logs' : k.toLowerCase())}\n`).join('') +
      `export APACHE_PID_FILE=${path.join(dir, 'run', 'apache2.pid')}\nexport LANG=C\n`,
  );
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', APACHE_ENVVARS: envvars };
  // With -f the arguments go straight to the apache2 binary (no systemctl detour).
  await run(APACHE2CTL, ['-f', confPath, '-k', action], { env, timeout: 20_000 });
}

export async function startApache(options: ApacheOptions): Promise<Apache> {
  const confPath = path.join(options.dir, 'apache2.conf');
  writeFileSync(confPath, apacheConfig(options));
  const errorLogPath = path.join(options.dir, 'logs', 'error.log');
  const pidFile = path.join(options.dir, 'run', 'apache2.pid');
  const url = `http://127.0.0.1:${options.port}`;
  const errorLog = (): string => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  const tail = (lines = 60): string => errorLog().split('\n').slice(-lines - 1).join('\n');

  let stopped: Promise<number[]> | undefined;
  const stop = (): Promise<number[]> => (stopped ??= stopAll());
  async function stopAll(): Promise<number[]> {
    const scope = options.scope ?? options.dir;
    const master = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    // Apache's children, Passenger's watchdog and core (children of the master) and the apps
    // (children of the core); plus anything still naming our folder, in case one was orphaned.
    const all = listProcesses();
    const ours = new Set([
      ...(Number.isInteger(master) ? processTree(master, all) : []),
      ...all.filter((p) => (p.command.includes(scope) || p.cwd.startsWith(scope)) && p.state !== 'Z'),
    ].map((p) => p.pid));
    for (const file of passengerPidFiles(options.dir)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1) ours.add(pid);
    }
    ours.delete(process.pid);
    await apache2ctl(options.dir, confPath, 'stop').catch(() => undefined);
    const left = await waitGone([...ours], 15_000);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it exited meanwhile
      }
    }
    const survivors = await waitGone(left, 5_000);
    if (survivors.length > 0) throw new Error(`processes survived SIGKILL: ${survivors.join(', ')}`);
    // Passenger's watchdog starts a last `rm -rf` of its instance folder as it leaves, through a
    // forked helper that may not have exec'd yet when we look: wait until nothing names our folder
    // for a whole second, so that nothing of ours is left when stop() returns.
    const inScope = (): number[] =>
      listProcesses().filter((p) => p.pid !== process.pid && p.state !== 'Z' && (p.command.includes(scope) || p.cwd.startsWith(scope))).map((p) => p.pid);
    const deadline = Date.now() + 10_000;
    for (let quietSince = Date.now(); Date.now() - quietSince < 1_000; ) {
      const late = inScope();
      if (late.length > 0) {
        if (Date.now() >= deadline) throw new Error(`processes still running in ${scope}: ${late.join(', ')}`);
        quietSince = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return left;
  }

  try {
    await apache2ctl(options.dir, confPath, 'start');
    await waitUntilAnswering(url, 20_000);
  } catch (error) {
    await stop();
    throw new Error(`Apache did not start: ${(error as Error).message}\n--- error log ---\n${tail()}`);
  }
  return { url, errorLogPath, errorLog, tail, stop };
}

/** watchdog.pid and core.pid of each Passenger instance under our registry folder. */
function passengerPidFiles(dir: string): string[] {
  const registry = path.join(dir, 'passenger');
  if (!existsSync(registry)) return [];
  return readdirSync(registry).flatMap((instance) =>
    ['watchdog.pid', 'core.pid'].map((f) => path.join(registry, instance, f)).filter((f) => existsSync(f)),
  );
}

async function waitUntilAnswering(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`${url} is not answering: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
