import { parentPort, workerData } from 'node:worker_threads';
import { extractFile, type FileResult, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

/** An extraction worker: batches of files in, their results out (see workers.ts). */
const settings = (workerData as { settings: ExtractSettings }).settings;

parentPort?.on('message', (msg: { start: number; batch: ScannedFile[] }) => {
  void (async () => {
    const results: FileResult[] = [];
    for (const f of msg.batch) results.push(await extractFile(f, settings));
    parentPort?.postMessage({ start: msg.start, results });
  })();
});
