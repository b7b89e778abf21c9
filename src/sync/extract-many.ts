import { extractFile, type FileResult, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

/** Where extracted results go: each file's, in the order of the files given. */
export type ResultSink = (r: FileResult) => void;

/**
 * Results that come back out of order (several files in flight, or batches from workers), handed
 * to `sink` in the files' order as soon as each one's predecessors are in. Only the few that
 * arrived early are held: nothing is kept once it has been handed on.
 */
export class InOrder {
  readonly #early = new Map<number, FileResult>();
  #next = 0;

  constructor(private readonly sink: ResultSink) {}

  put(index: number, r: FileResult): void {
    if (index !== this.#next) {
      this.#early.set(index, r);
      return;
    }
    this.sink(r);
    this.#next++;
    for (let e = this.#early.get(this.#next); e !== undefined; e = this.#early.get(this.#next)) {
      this.#early.delete(this.#next);
      this.sink(e);
      this.#next++;
    }
  }

  /** How many results were handed on. */
  get handed(): number {
    return this.#next;
  }
}

/**
 * Extract many files, handing each result to `sink` in the files' order (a caller that plans as
 * the results come in need not hold them all). Text files are read and parsed synchronously
 * (cheap: no Markdown parser runs here); documents are stream-hashed a few at a time. With enough
 * work, the files are split across worker threads so a cold plan uses every core.
 */
export async function extractEach(
  files: readonly ScannedFile[],
  settings: ExtractSettings,
  sink: ResultSink,
  opts: { onProgress?: (done: number, total: number) => void; workers?: number } = {},
): Promise<void> {
  const workers = opts.workers ?? 0;
  const ordered = new InOrder(sink);
  if (workers > 1 && files.length >= 400) {
    const { extractInWorkers } = await import('./workers.js');
    await extractInWorkers(files, settings, workers, (i, r) => ordered.put(i, r), opts.onProgress);
    return;
  }
  let done = 0;
  let next = 0;
  const lanes = Math.min(8, files.length);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        const i = next++;
        if (i >= files.length) return;
        ordered.put(i, await extractFile(files[i] as ScannedFile, settings));
        done++;
        if (opts.onProgress && (done % 200 === 0 || done === files.length)) opts.onProgress(done, files.length);
      }
    }),
  );
}

/** Extract many files: every result, in the files' order. */
export async function extractMany(
  files: readonly ScannedFile[],
  settings: ExtractSettings,
  opts: { onProgress?: (done: number, total: number) => void; workers?: number } = {},
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  await extractEach(files, settings, (r) => results.push(r), opts);
  return results;
}
