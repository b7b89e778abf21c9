import { Worker } from 'node:worker_threads';
import type { FileResult, ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

/** Split files across `n` worker threads (each runs `extractFile` on its share) and merge in order. */
export async function extractInWorkers(
  files: readonly ScannedFile[],
  settings: ExtractSettings,
  n: number,
  onProgress?: (done: number, total: number) => void,
): Promise<FileResult[]> {
  const results = new Array<FileResult>(files.length);
  const chunk = 256;
  let next = 0;
  let done = 0;
  const url = new URL('./worker-main.js', import.meta.url);
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(url, { workerData: { settings } });
        const feed = () => {
          if (next >= files.length) {
            void w.terminate().then(() => resolve());
            return;
          }
          const start = next;
          const batch = files.slice(start, start + chunk);
          next += batch.length;
          w.postMessage({ start, files: batch });
        };
        w.on('message', (msg: { start: number; results: FileResult[] }) => {
          for (const [i, r] of msg.results.entries()) results[msg.start + i] = r;
          done += msg.results.length;
          onProgress?.(done, files.length);
          feed();
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`extraction worker exited with code ${code}`));
        });
        feed();
      }),
    ),
  );
  return results;
}
