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

export interface Sink {
  write(text: string): void;
}

export interface LoggerOptions {
  readonly now?: () => Date;
  /** Flush after this many buffered bytes even within one turn of the loop. */
  readonly maxBuffer?: number;
}

export function createLogger(sink: Sink, options: LoggerOptions = {}): Logger {
  const now = options.now ?? (() => new Date());
  const maxBuffer = options.maxBuffer ?? 64 * 1024;
  let buffer = '';
  let scheduled = false;
  // toISOString() per line is measurable under load; requests within one millisecond share it.
  let stampedAt = -1;
  let stamp = '';
  const timestamp = (): string => {
    const date = now();
    const ms = date.getTime();
    if (ms !== stampedAt) {
      stampedAt = ms;
      stamp = date.toISOString();
    }
    return stamp;
  };

  const flush = (): void => {
    scheduled = false;
    if (buffer === '') return;
    const text = buffer;
    buffer = '';
    sink.write(text);
  };

  const append = (line: string): void => {
    buffer += line;
    if (buffer.length >= maxBuffer) flush();
    else if (!scheduled) {
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
  const logger = createLogger({ write: (text) => lines.push(...text.split('\n').filter((l) => l !== '')) }, { maxBuffer: 0 });
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
