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

export class Journal {
  readonly #fs: JournalFs;
  readonly #fd: number;
  #offset = 0;
  #pending = '';
  readonly #decoder = new StringDecoder('utf8');
  /** Every key's lines read so far, from every process. */
  readonly counts = new Map<string, number>();
  /** This turn's lines, not yet written, and how many of them each key has. */
  #batch = '';
  readonly queued = new Map<string, number>();
  /** The ids of the batch's lines → their rank once read (0 until then). */
  #ranks = new Map<string, number>();

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

  enqueue(id: string, key: string): void {
    this.#batch += `${id} ${key}\n`;
    this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
    this.#ranks.set(id, 0);
  }

  /**
   * Appends the batch in one write, then reads up to its last line: the ranks of its lines by
   * id. Throws (a storage error) when the write fails or comes up short.
   */
  commit(maxFileBytes: number, tag: string): Map<string, number> {
    // The leading newline ends any torn line left before it (a short write on a full disk), so
    // that fragment cannot swallow the first record; readers skip the empty lines.
    const bytes = Buffer.from(`\n${this.#batch}`);
    const ranks = this.#ranks;
    this.#batch = '';
    this.queued.clear();
    this.#ranks = new Map();
    if (this.#offset > maxFileBytes) throw new RateLimitStorageError('a rate-limit journal reached its size cap');
    const written = this.#fs.writeSync(this.#fd, bytes);
    if (written !== bytes.length) throw new RateLimitStorageError('short write to the rate-limit journal (disk full?)');
    this.#read(ranks, tag);
    return ranks;
  }

  /** Reads new lines; with ids to rank, stops once every one of them is read. */
  #read(ranks: Map<string, number>, tag: string): void {
    const buffer = READ_BUFFER;
    let missing = ranks.size;
    while (missing > 0) {
      const n = this.#fs.readSync(this.#fd, buffer, 0, CHUNK, this.#offset);
      if (n === 0) return;
      this.#offset += n;
      const text = this.#pending + this.#decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        const space = text.indexOf(' ', start);
        if (space !== -1 && space < end) {
          const key = text.slice(space + 1, end);
          const count = (this.counts.get(key) ?? 0) + 1;
          this.counts.set(key, count);
          // Ids are unique to this process and request; only this process's lines can be ours.
          if (missing > 0 && text.startsWith(tag, start)) {
            const id = text.slice(start, space);
            if (ranks.get(id) === 0) {
              ranks.set(id, count);
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
