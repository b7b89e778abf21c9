import { parentPort } from 'node:worker_threads';
import { renderArticle, RenderError } from './render.js';
import type { ExtractSettings, RenderInput } from './types.js';

parentPort?.on('message', (msg: { input: RenderInput; settings: ExtractSettings }) => {
  try {
    parentPort?.postMessage({ ok: true, content: renderArticle(msg.input, msg.settings) });
  } catch (e) {
    parentPort?.postMessage({
      ok: false,
      error: (e as Error).message,
      kind: e instanceof RenderError ? 'RenderError' : 'Error',
      ...(e instanceof RenderError ? { line: e.line, column: e.column } : {}),
    });
  }
});

// Loaded: from here on, the time a render takes is the render's.
parentPort?.postMessage({ ready: true });
