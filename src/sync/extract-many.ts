import { extractFile, type FileResult, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

/**
 * Extract many files. Text files are read and parsed synchronously (cheap: no Markdown parser
 * runs here); documents are stream-hashed a few at a time. With enough work, the files are
 * split across worker threads so a cold plan uses every core.
 */
export async function extractMany(
  files: readonly ScannedFile[],
  settings: ExtractSettings,
  opts: { onProgress?: (done: number, total: number) => void; workers?: number } = {},
): Promise<FileResult[]> {
  const workers = opts.workers ?? 0;
  if (workers > 1 && files.length >= 400) {
    const { extractInWorkers } = await import('./workers.js');
    return extractInWorkers(files, settings, workers, opts.onProgress);
  }
  const results = new Array<FileResult>(files.length);
  let done = 0;
  let next = 0;
  const lanes = Math.min(8, files.length);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        const i = next++;
        if (i >= files.length) return;
        results[i] = await extractFile(files[i] as ScannedFile, settings);
        done++;
        if (opts.onProgress && (done % 200 === 0 || done === files.length)) opts.onProgress(done, files.length);
      }
    }),
  );
  return results;
}
