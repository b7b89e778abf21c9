import os from 'node:os';
import type { RenderFn } from '../extract/render-pool.js';

/**
 * Run `fn` with an article renderer: worker threads with a time limit (a pathological file must
 * not hang the run), where the compiled workers exist and `needed`; in-process otherwise (tests
 * on the sources), signalled by `undefined`.
 */
export async function withRenderer<T>(
  needed: boolean,
  timeoutMs: number,
  fn: (render: RenderFn | undefined) => Promise<T>,
): Promise<T> {
  const { RenderPool } = await import('../extract/render-pool.js');
  if (!needed || !RenderPool.available()) return fn(undefined);
  const pool = new RenderPool(Math.min(2, os.availableParallelism()), timeoutMs);
  try {
    return await fn(pool.render);
  } finally {
    await pool.close();
  }
}
