// The sign-in page's side of the proof of work (src/bot/pow.ts): fetch a challenge, solve it in
// a Web Worker (public/pow-worker.ts, its URL in <meta name="pow-worker">) while the person
// types, and hand back the login's `pow` field: base64 of JSON {algorithm, challenge, number,
// salt, signature}. Progress is reported for the page to show if the person is faster.

export interface Solved {
  readonly pow: string;
  readonly maxnumber: number;
  /** Milliseconds the worker spent. */
  readonly ms: number;
}

export interface Solving {
  readonly done: Promise<Solved>;
  /** The solution, once found (synchronously: a submission does not wait for it unless asked). */
  result(): Solved | undefined;
  /** 0 to 1: the share of the worst case tried so far. */
  progress(): number;
  onProgress(listener: (share: number) => void): void;
}

/** What GET /api/auth/challenge answers (DESIGN.md's wire format). */
export interface Challenge {
  readonly algorithm: string;
  readonly challenge: string;
  readonly salt: string;
  readonly maxnumber: number;
  readonly signature: string;
}

export function workerUrl(): string | undefined {
  return document.querySelector<HTMLMetaElement>('meta[name="pow-worker"]')?.content;
}

/** Starts solving a fresh challenge (for `username` when known, so its difficulty is the one asked). */
export function solveChallenge(base: string, username?: string): Solving {
  let share = 0;
  let solved: Solved | undefined;
  const listeners: Array<(share: number) => void> = [];
  const done = (async (): Promise<Solved> => {
    const url = workerUrl();
    if (url === undefined) throw new Error('The anti-robot check could not start. Please reload the page.');
    const query = username === undefined || username === '' ? '' : `?username=${encodeURIComponent(username)}`;
    const response = await fetch(`${base}/api/auth/challenge${query}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error('The anti-robot check could not start. Please try again.');
    const challenge = (await response.json()) as Challenge;
    const worker = new Worker(url, { type: 'module' });
    try {
      const { number, ms } = await new Promise<{ number: number; ms: number }>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<{ progress?: number; of?: number; number?: number; ms?: number; error?: string }>) => {
          const data = event.data;
          if (typeof data.number === 'number') resolve({ number: data.number, ms: data.ms ?? 0 });
          else if (data.error !== undefined) reject(new Error('The anti-robot check failed. Please reload the page.'));
          else if (typeof data.progress === 'number' && typeof data.of === 'number' && data.of > 0) {
            share = Math.min(1, data.progress / data.of);
            for (const listener of listeners) listener(share);
          }
        };
        worker.onerror = () => reject(new Error('The anti-robot check failed. Please reload the page.'));
        worker.postMessage({ challenge });
      });
      const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number, salt: challenge.salt, signature: challenge.signature };
      return { pow: btoa(JSON.stringify(payload)), maxnumber: challenge.maxnumber, ms };
    } finally {
      worker.terminate();
    }
  })();
  // Nobody may be waiting yet (solving starts at page load): a failure is seen at submit.
  done.then((s) => (solved = s)).catch(() => undefined);
  return { done, result: () => solved, progress: () => share, onProgress: (listener) => void listeners.push(listener) };
}
