import os from 'node:os';
import type { FileResult } from '../../extract/index.js';
import type { ScannedFile } from '../../scan/file.js';
import type { RunContext } from '../context.js';
import type { ResultSink } from '../extract-many.js';

/**
 * Stage 2, extract: read and parse the selected files into items (identities only, no
 * rendering). The parsers load only when there is something to read: a no-op sync reads no
 * file, and should not pay for loading them.
 */
export async function extractFiles(ctx: RunContext, dirty: readonly ScannedFile[]): Promise<FileResult[]> {
  const results: FileResult[] = [];
  await extractInto(ctx, dirty, (r) => results.push(r));
  return results;
}

/**
 * The extract stage, handing each file's result to `sink` in the files' order as it comes in,
 * holding none: a dry run plans from what the results add up to, and needs no result itself.
 */
export async function extractInto(ctx: RunContext, dirty: readonly ScannedFile[], sink: ResultSink): Promise<void> {
  ctx.events.phase?.('read', { files: dirty.length });
  if (dirty.length === 0) return;
  const { extractEach } = await import('../extract-many.js');
  await extractEach(dirty, ctx.settings, sink, {
    workers: ctx.opts.workers ?? defaultWorkers(dirty.length),
    onProgress: (d, t) => ctx.events.progress?.(d, t),
  });
}

/**
 * Threads for reading and parsing (this one plus workers). Workers pay for their start (~0.2 s,
 * loading the parsers) and for copying results back, and parsing is memory-bound: on the 2-vCPU
 * machine the benchmark ran on, two threads were no faster than one (see README, Performance).
 * So they are used only with 3 or more cores and thousands of changed files. KB_SYNC_WORKERS
 * sets the number of threads (0 or 1 = this thread only), for measuring.
 */
export function defaultWorkers(
  files: number,
  forced: string | undefined = process.env.KB_SYNC_WORKERS,
  cores: number = os.availableParallelism(),
): number {
  if (forced !== undefined && /^\d+$/.test(forced)) return Number(forced);
  if (cores < 3 || files < 2000) return 0;
  return Math.min(4, cores);
}
