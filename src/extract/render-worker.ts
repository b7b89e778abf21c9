import { parentPort } from 'node:worker_threads';
import { renderArticle, RenderError } from './render.js';
import type { ExtractSettings } from './types.js';

parentPort?.on('message', (msg: { source: string; relPath: string; settings: ExtractSettings }) => {
  try {
    parentPort?.postMessage({ ok: true, content: renderArticle(msg.source, msg.relPath, msg.settings) });
  } catch (e) {
    parentPort?.postMessage({
      ok: false,
      error: (e as Error).message,
      kind: e instanceof RenderError ? 'RenderError' : 'Error',
    });
  }
});
