/**
 * The command-line tool, run from the built bundle alone: `node dist/cli.cjs users list`,
 * `node dist/cli.cjs figures import data.csv`, `node dist/cli.cjs backup`.
 * Like app.js it reads .env from the app root; it needs only DATA_DIR (not SECRET_KEY), so it
 * works over SSH even when the app's other settings live in cPanel's panel.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BACKUP_USAGE, backupCommand } from './cli/backup.ts';
import { figuresCommand, FIGURES_USAGE } from './cli/figures.ts';
import { runningInstances } from './instances/index.ts';
import { usersCommand, USAGE } from './cli/users.ts';
import { powCommand, POW_USAGE } from './cli/pow.ts';
import { createLogger } from './log/index.ts';
import { openFigures } from './figures/open.ts';
import { openStore } from './store/open.ts';
import { createSqlJsLoader } from './db/sqljs.ts';

const appRoot = path.resolve(__dirname, '..');

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** On a terminal: ask twice, without echo. Piped: the first line of standard input. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readStdin();
  const ask = (question: string): Promise<string> =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      // Echo nothing while typing: readline writes through _writeToOutput.
      (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text) => {
        if (text.includes(question)) process.stdout.write(question);
      };
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  const first = await ask(prompt);
  const second = await ask('Again: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

async function main(argv: string[]): Promise<number> {
  const envFile = path.join(appRoot, '.env');
  if (existsSync(envFile) && typeof process.loadEnvFile === 'function') process.loadEnvFile(envFile);
  const [area, ...rest] = argv;
  if (area === 'pow') {
    const result = powCommand(await readStdin());
    process.stdout.write(result.out);
    process.stderr.write(result.err);
    return result.code;
  }
  const dataDirFlag = rest.indexOf('--data-dir');
  let dataDir = process.env.DATA_DIR ?? './data';
  if (dataDirFlag !== -1) {
    dataDir = rest[dataDirFlag + 1] ?? dataDir;
    rest.splice(dataDirFlag, 2);
  }
  if (area !== 'users' && area !== 'figures' && area !== 'backup' && area !== 'restore') {
    process.stderr.write(`${area === undefined || area === 'help' || area === '--help' ? '' : `error: unknown area "${area}"\n\n`}${USAGE}\n\n${FIGURES_USAGE}\n\n${BACKUP_USAGE}\n\n${POW_USAGE}\n`);
    return area === 'help' || area === '--help' ? 0 : 2;
  }
  // Log lines (e.g. "database opened") go to stderr: stdout is for the answer.
  const logger = createLogger(process.stderr);
  const resolvedDataDir = path.resolve(appRoot, dataDir);
  const defaulted = process.env.DATA_DIR === undefined && dataDirFlag === -1;
  if ((area === 'backup' || area === 'restore') && defaulted && !['dashboard.sqlite', 'figures.sqlite'].some((f) => existsSync(path.join(resolvedDataDir, f)))) {
    // A nightly cron job would otherwise "back up" an empty ./data for ever and say all is well:
    // variables set only in cPanel's Node.js app page reach neither cron nor the terminal.
    process.stderr.write(
      `error: DATA_DIR is not set (not in the environment, not in ${envFile}), and ./data holds no database.\n` +
        'Add DATA_DIR=/home/USER/dashboard-data to the app\'s .env, or pass --data-dir /home/USER/dashboard-data.\n',
    );
    return 2;
  }
  mkdirSync(resolvedDataDir, { recursive: true, mode: 0o700 });
  const wasmPath = path.join(__dirname, 'sql-wasm.wasm');
  const quiet = { ...logger, info: () => undefined };
  const now = (): number => Math.floor(Date.now() / 1000);
  // One sql.js for both databases: the WASM is initialised once per process.
  const loadSql = createSqlJsLoader({ wasmPath });
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const err = (line: string): boolean => process.stderr.write(`${line}\n`);
  if (area === 'backup' || area === 'restore') {
    const deps = { dataDir: resolvedDataDir, loadSql, running: () => runningInstances(resolvedDataDir) };
    return backupCommand(area, rest, deps, { out, err, now: () => new Date(), elapsed: () => performance.now() });
  }
  const { store, file } = openStore({ dataDir: resolvedDataDir, wasmPath, loadSql, logger: quiet, now });
  let code: number;
  if (area === 'users') {
    code = await usersCommand(rest, store, { out, err, readPassword, operator: safeUser() });
  } else {
    const figures = openFigures({ dataDir: resolvedDataDir, loadSql, logger: quiet, now });
    code = await figuresCommand(rest, { figures: figures.figures, store }, {
      out,
      err,
      status: (text) => process.stderr.write(text),
      tty: process.stderr.isTTY === true,
      readFile: (name) => readFile(path.resolve(name)),
      operator: safeUser(),
      today: localDay(new Date()),
    });
    figures.file.close();
  }
  file.close();
  logger.flush();
  return code;
}

/** The operator's calendar day, not UTC's: "today" as the person at the keyboard means it. */
function localDay(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
