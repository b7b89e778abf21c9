import { Worker } from 'node:worker_threads';
import { extractFile, type FileResult, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

/**
 * Extract files on `n` threads: this one and n-1 workers, all taking batches from one queue (so
 * a slow batch does not hold the others up), merged back in order. The main thread works too:
 * it would otherwise sit idle while a worker starts (loading the parsers takes a while). Each
 * result goes to `put` with its index as its batch comes back.
 */
export async function extractInWorkers(
  files: readonly ScannedFile[],
  settings: ExtractSettings,
  n: number,
  put: (index: number, r: FileResult) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const chunk = 200;
  let next = 0;
  let done = 0;
  const take = (): { start: number; batch: ScannedFile[] } | undefined => {
    if (next >= files.length) return undefined;
    const start = next;
    const batch = files.slice(start, start + chunk);
    next += batch.length;
    return { start, batch };
  };
  const store = (start: number, batch: readonly FileResult[]) => {
    for (const [i, r] of batch.entries()) put(start + i, r);
    done += batch.length;
    onProgress?.(done, files.length);
  };
  const url = new URL('./worker-main.js', import.meta.url);

  // Each worker has two batches queued, so it never waits for this thread (which is busy with
  // batches of its own) to hand it the next one.
  const worker = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(url, { workerData: { settings } });
      let inFlight = 0;
      const feed = () => {
        while (inFlight < 2) {
          const job = take();
          if (!job) break;
          inFlight++;
          w.postMessage(job);
        }
        if (inFlight === 0) void w.terminate().then(() => resolve());
      };
      w.on('message', (msg: { start: number; results: FileResult[] }) => {
        inFlight--;
        store(msg.start, msg.results);
        feed();
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`extraction worker exited with code ${code}`));
      });
      feed();
    });

  const local = async () => {
    for (let job = take(); job; job = take()) {
      const out: FileResult[] = [];
      for (const f of job.batch) out.push(await extractFile(f, settings));
      store(job.start, out);
      // Let the workers' messages in between batches.
      await new Promise<void>((r) => setImmediate(r));
    }
  };

  await Promise.all([local(), ...Array.from({ length: Math.max(0, n - 1) }, worker)]);
}
