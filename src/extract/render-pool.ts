import { Worker } from 'node:worker_threads';
import type { ExtractSettings } from './types.js';

/**
 * Render articles in worker threads, each render with a time limit: Markdown from a stranger's
 * pull request must not be able to hang the sync (a pathological input to remark is cut off and
 * reported as a file error). Falls back to rendering in-process where workers cannot run the
 * compiled module (tests running the TypeScript sources).
 */

export type RenderFn = (source: string, relPath: string, settings: ExtractSettings) => Promise<string>;

export class RenderTimeout extends Error {}

interface Slot {
  worker: Worker | undefined;
  busy: boolean;
}

interface Job {
  source: string;
  relPath: string;
  settings: ExtractSettings;
  resolve: (s: string) => void;
  reject: (e: Error) => void;
}

export class RenderPool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  readonly #timeoutMs: number;
  readonly #url: URL;
  #closed = false;

  constructor(size: number, timeoutMs: number) {
    this.#slots = Array.from({ length: Math.max(1, size) }, () => ({ worker: undefined, busy: false }));
    this.#timeoutMs = timeoutMs;
    this.#url = new URL('./render-worker.js', import.meta.url);
  }

  /** Whether workers can be used here (the compiled `.js` module exists next to this one). */
  static available(): boolean {
    return import.meta.url.endsWith('.js');
  }

  /**
   * Sources this small render here: with the nesting guard in render.ts they cannot take long,
   * and starting a worker (loading remark in it) would cost more than the render (a one-file
   * change in watch mode or a small sync).
   */
  static readonly INLINE_BELOW = 16 * 1024;

  render: RenderFn = async (source, relPath, settings) => {
    if (source.length < RenderPool.INLINE_BELOW) {
      const { renderArticle } = await import('./render.js');
      return renderArticle(source, relPath, settings);
    }
    return this.#enqueue(source, relPath, settings);
  };

  #enqueue = (source: string, relPath: string, settings: ExtractSettings) =>
    new Promise<string>((resolve, reject) => {
      if (this.#closed) {
        reject(new Error('render pool is closed'));
        return;
      }
      this.#queue.push({ source, relPath, settings, resolve, reject });
      this.#pump();
    });

  #pump(): void {
    for (const slot of this.#slots) {
      if (slot.busy) continue;
      const job = this.#queue.shift();
      if (!job) return;
      this.#run(slot, job);
    }
  }

  #run(slot: Slot, job: Job): void {
    slot.busy = true;
    const worker = (slot.worker ??= new Worker(this.#url));
    let settled = false;
    const done = () => {
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      slot.busy = false;
      this.#pump();
    };
    const onMessage = (msg: { ok: true; content: string } | { ok: false; error: string; kind: string }) => {
      if (settled) return;
      done();
      if (msg.ok) job.resolve(msg.content);
      else
        job.reject(
          msg.kind === 'RenderError'
            ? Object.assign(new Error(msg.error), { name: 'RenderError' })
            : new Error(msg.error),
        );
    };
    const onError = (err: Error) => {
      if (settled) return;
      slot.worker = undefined;
      done();
      job.reject(err);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      slot.worker = undefined;
      void worker.terminate();
      done();
      job.reject(
        new RenderTimeout(
          `the Markdown took longer than ${Math.round(this.#timeoutMs / 1000)} s to process (limits.renderTimeoutMs); simplify it`,
        ),
      );
    }, this.#timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage({ source: job.source, relPath: job.relPath, settings: job.settings });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const j of this.#queue.splice(0)) j.reject(new Error('render pool closed'));
    await Promise.all(this.#slots.flatMap((s) => (s.worker ? [s.worker.terminate()] : [])));
  }
}
