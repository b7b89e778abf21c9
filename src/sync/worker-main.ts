import { parentPort, workerData } from 'node:worker_threads';
import { extractFile, type FileResult, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';

const settings = (workerData as { settings: ExtractSettings }).settings;

parentPort?.on('message', (msg: { start: number; files: ScannedFile[] }) => {
  void (async () => {
    const results: FileResult[] = [];
    for (const f of msg.files) results.push(await extractFile(f, settings));
    parentPort?.postMessage({ start: msg.start, results });
  })();
});
