/**
 * A queue of one: each task starts when the one before it has settled, however that went.
 * For the process's costly, memory-hungry work (a PDF render, a 100,000-row import): a burst
 * of requests waits its turn instead of multiplying memory on a host that caps it.
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}
