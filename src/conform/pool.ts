/**
 * A bound on how many tasks run at once: each harness run is a process of its
 * own (ASan makes it CPU-bound), so running more of them than there are cores
 * only makes each one slower and its per-statement watchdog likelier to fire.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `n` of the tasks given to it at a time, the others in the order they came. */
export function limiter(n: number): Limiter {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`limiter: need a positive integer, got ${n}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  // A finished task hands its slot straight to the next waiter, so a caller arriving in between cannot take it too.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < n) running++;
    else await new Promise<void>((go) => waiting.push(go));
    try {
      return await task();
    } finally {
      release();
    }
  };
}
