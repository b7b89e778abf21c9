import v8 from 'node:v8';

/**
 * How the CLI's heap grows. After each full collection V8 lets the heap grow to a multiple of
 * what is live, a multiple it picks from how fast collections are; on a quiet machine a cold
 * plan of 100,000 files (a large live set built quickly) grew to ~2× its live size, 329 MB.
 * A fixed 1.5× kept it at ~293 MB for ~3% more CPU (docs/performance.md). The flag is
 * read at each collection, so setting it at start-up takes effect; a value the user gave node
 * (`--heap-growing-percent` in its arguments or NODE_OPTIONS) is left alone.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Pure: the V8 flag to set, or none when the user set one. */
export function heapFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) =>
    /^--heap[-_]growing[-_]percent\b/.test(a),
  );
  return given ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function tuneHeap(): void {
  const flag = heapFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (flag) v8.setFlagsFromString(flag);
}
