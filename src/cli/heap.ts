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
  return givenToNode(execArgv, nodeOptions, /^--heap[-_]growing[-_]percent\b/)
    ? undefined
    : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function tuneHeap(): void {
  const flag = heapFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (flag) v8.setFlagsFromString(flag);
}

/**
 * How V8 compiles WebAssembly: with its baseline compiler only. Node's HTTP client (undici)
 * parses responses with a WebAssembly module; V8 compiles it again, optimized, on a background
 * thread, and a process that ends waits for that compilation: 0.2 s after the last line of every
 * run that sent a request (a one-file change), for a parser whose baseline code is fast enough
 * for the requests a sync makes. A wasm tiering flag the user gave node is left alone.
 */
export function wasmFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  return givenToNode(execArgv, nodeOptions, /^--(no-)?(liftoff|wasm[-_]tier|wasm[-_]dynamic[-_]tiering)/)
    ? undefined
    : '--liftoff-only';
}

export function tuneWasm(): void {
  const flag = wasmFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (flag) v8.setFlagsFromString(flag);
}

/** Whether node was given a flag matching `flag`, in its arguments or NODE_OPTIONS. */
function givenToNode(execArgv: readonly string[], nodeOptions: string | undefined, flag: RegExp): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => flag.test(a));
}
