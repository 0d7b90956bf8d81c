/**
 * One window's journal file, as this process sees it: the counts of every key read so far
 * (from every process), and this turn's lines waiting to be appended (see file-store.ts).
 */
import type * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** The file operations used, injectable to test a full or read-only disk. */
export type JournalFs = Pick<typeof fs, 'openSync' | 'writeSync' | 'readSync' | 'closeSync' | 'unlinkSync' | 'readdirSync' | 'mkdirSync'>;

export class RateLimitStorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RateLimitStorageError';
  }
}

const CHUNK = 64 * 1024;
// One read buffer for every journal: reads are synchronous, so it is never shared by two at once,
// and a fresh 64 KiB per request was a measurable share of the limiter's cost.
const READ_BUFFER = Buffer.allocUnsafe(CHUNK);

/** One turn's lines for a journal: their text as written, ids and keys in order, and ranks once read. */
interface Batch {
  readonly text: string;
  readonly ids: readonly string[];
  readonly keys: readonly string[];
  readonly ranks: number[];
}

export class Journal {
  readonly #fs: JournalFs;
  readonly #fd: number;
  #offset = 0;
  #pending = '';
  readonly #decoder = new StringDecoder('utf8');
  /** Every key's lines read so far, from every process. */
  readonly counts = new Map<string, number>();
  /** This turn's lines, not yet written (their text, ids and keys), and how many each key has. */
  #batch = '';
  #ids: string[] = [];
  #keys: string[] = [];
  readonly queued = new Map<string, number>();
  /** True once the file reached its size cap: this window is counted in memory since. */
  capped = false;

  constructor(fsImpl: JournalFs, file: string) {
    this.#fs = fsImpl;
    this.#fd = fsImpl.openSync(file, 'a+', 0o600);
  }

  get size(): number {
    return this.#offset;
  }

  get hasBatch(): boolean {
    return this.#batch !== '';
  }

  /** Lines counted and queued for `key`: a rank this process can no longer get below. */
  known(key: string): number {
    return (this.counts.get(key) ?? 0) + (this.queued.get(key) ?? 0);
  }

  /** Queues a line for this turn's append; returns its place in the batch. */
  enqueue(id: string, key: string): number {
    this.#batch += `${id} ${key}\n`;
    this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
    this.#keys.push(key);
    return this.#ids.push(id) - 1;
  }

  /**
   * Appends the batch in one write, then reads up to its last line: the rank of each of its
   * lines, by place in the batch (0: not found). Throws (a storage error) when the write fails
   * or comes up short. Past `maxFileBytes` it ranks in memory instead (see below).
   */
  commit(maxFileBytes: number, tag: string): number[] {
    const batch: Batch = { text: this.#batch, ids: this.#ids, keys: this.#keys, ranks: new Array<number>(this.#ids.length).fill(0) };
    this.#batch = '';
    this.#ids = [];
    this.#keys = [];
    this.queued.clear();
    if (this.#offset > maxFileBytes) {
      // A flood must not fill the disk, nor open every limit: past the cap the file takes no more
      // lines, and counting goes on in this process's memory until the window ends (each
      // process then limits alone: at most its own share of a limit more, never unlimited).
      this.capped = true;
      for (let i = 0; i < batch.keys.length; i += 1) {
        const count = (this.counts.get(batch.keys[i]!) ?? 0) + 1;
        this.counts.set(batch.keys[i]!, count);
        batch.ranks[i] = count;
      }
      return batch.ranks;
    }
    // The leading newline ends any torn line left before it (a short write on a full disk), so
    // that fragment cannot swallow the first record; readers skip the empty lines.
    const bytes = Buffer.from(`\n${batch.text}`);
    const written = this.#fs.writeSync(this.#fd, bytes);
    if (written !== bytes.length) throw new RateLimitStorageError('short write to the rate-limit journal (disk full?)');
    this.#read(batch, tag);
    return batch.ranks;
  }

  /** Reads new lines (every process's), counting them, until each line of `batch` is ranked. */
  #read(batch: Batch, tag: string): void {
    const buffer = READ_BUFFER;
    let missing = batch.ids.length;
    let places: Map<string, number> | undefined; // id → place, made only when lines are parsed one by one
    while (missing > 0) {
      const n = this.#fs.readSync(this.#fd, buffer, 0, CHUNK, this.#offset);
      if (n === 0) return;
      this.#offset += n;
      const text = this.#pending + this.#decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        if (missing === batch.ids.length && text.startsWith(batch.text, start)) {
          // The whole batch as its one write put it: counted and ranked from what was queued,
          // exactly as parsing each line would, without parsing them.
          for (let i = 0; i < batch.keys.length; i += 1) {
            const key = batch.keys[i]!;
            const count = (this.counts.get(key) ?? 0) + 1;
            this.counts.set(key, count);
            batch.ranks[i] = count;
          }
          missing = 0;
          start += batch.text.length;
          continue;
        }
        const space = text.indexOf(' ', start);
        if (space !== -1 && space < end) {
          const key = text.slice(space + 1, end);
          const count = (this.counts.get(key) ?? 0) + 1;
          this.counts.set(key, count);
          // Ids are unique to this process and request; only this process's lines can be ours.
          if (missing > 0 && text.startsWith(tag, start)) {
            places ??= new Map(batch.ids.map((id, i) => [id, i]));
            const place = places.get(text.slice(start, space));
            if (place !== undefined && batch.ranks[place] === 0) {
              batch.ranks[place] = count;
              missing -= 1;
            }
          }
        }
        start = end + 1;
      }
      this.#pending = text.slice(start);
    }
  }

  close(): void {
    this.#fs.closeSync(this.#fd);
  }
}
