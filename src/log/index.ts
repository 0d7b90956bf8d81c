/**
 * One line per event on stdout, which Passenger forwards to Apache's error log.
 * Lines are buffered and written once per turn of the event loop: a write per request is a
 * syscall per request, and that alone cost a measurable share of throughput.
 * Callers pass only values they chose (method, path, status, ids): never headers or cookies,
 * because Passenger carries the app's environment in internal request headers.
 */
export type Level = 'info' | 'warn' | 'error';
export type Fields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /**
   * The per-request line, on the hot path: `text` is written as is, so the caller guarantees a
   * single line built only from values it chose.
   */
  access(text: string): void;
  /** Writes whatever is buffered, synchronously if the sink allows: call before exiting. */
  flush(): void;
}

/** Where the bytes go: `process.stdout` (under Passenger, Apache's error log) or `process.stderr`. */
export interface Sink {
  write(chunk: Uint8Array): unknown;
}

export interface LoggerOptions {
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Bytes buffered within one turn of the loop before they are written anyway. */
  readonly maxBuffer?: number;
}

/** UTF-8 takes at most three bytes for each UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

export function createLogger(sink: Sink, options: LoggerOptions = {}): Logger {
  const now = options.now ?? Date.now;
  const capacity = Math.max(options.maxBuffer ?? 64 * 1024, 0);
  // Lines are encoded straight into one buffer as they come (no long string to build, flatten
  // and measure at write time); what is written is a copy, so a sink that writes later (a pipe
  // on some platforms) never sees the buffer reused.
  const buffer = Buffer.allocUnsafe(capacity);
  let used = 0;
  let scheduled = false;
  // An ISO timestamp per line is measurable under load; lines within one millisecond share it.
  let stampedAt = -1;
  let stamp = '';
  const timestamp = (): string => {
    const ms = now();
    if (ms !== stampedAt) {
      stampedAt = ms;
      stamp = new Date(ms).toISOString();
    }
    return stamp;
  };

  const flush = (): void => {
    scheduled = false;
    if (used === 0) return;
    const chunk = Buffer.from(buffer.subarray(0, used));
    used = 0;
    sink.write(chunk);
  };

  const append = (line: string): void => {
    if (used + line.length * MAX_BYTES_PER_UNIT > capacity) {
      flush();
      if (line.length * MAX_BYTES_PER_UNIT > capacity) {
        sink.write(Buffer.from(line));
        return;
      }
    }
    used += buffer.write(line, used);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const log = (level: Level, message: string, fields?: Fields): void =>
    append(`${timestamp()} ${level.toUpperCase()} ${clean(message)}${formatFields(fields)}\n`);

  return {
    access: (text) => append(`${timestamp()} INFO ${text}\n`),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    flush,
  };
}

/** A logger that keeps lines in memory, for tests. */
export function createMemoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const decoder = new TextDecoder();
  const logger = createLogger({ write: (chunk) => lines.push(...decoder.decode(chunk).split('\n').filter((l) => l !== '')) }, { maxBuffer: 0 });
  return Object.assign(logger, { lines });
}

function formatFields(fields: Fields | undefined): string {
  if (fields === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    out += ` ${key}=${/^[^\s"=]*$/.test(text) && text !== '' ? text : JSON.stringify(text)}`;
  }
  return out;
}

/** Log injection: a message never spans lines. */
function clean(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
