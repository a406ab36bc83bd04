/**
 * Runs handlers one at a time. Update handlers await activities, so without this two updates could
 * interleave and each decide from state the other is about to change.
 */
export function createSerializer(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return function serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
}
