import { Worker } from 'node:worker_threads';
import type { ExtractSettings, RenderInput } from './types.js';

/**
 * Render articles in worker threads, each render with a time limit and a memory limit: Markdown
 * from a stranger's pull request must not be able to hang the sync or exhaust memory (a
 * pathological input to remark is cut off and reported as a file error). Falls back to rendering
 * in-process where workers cannot run the compiled module (tests running the TypeScript sources).
 */

export type RenderFn = (input: RenderInput, settings: ExtractSettings) => Promise<string>;

/** A render cut off by a limit (time or memory): the file's problem, reported on it. */
export class RenderTimeout extends Error {}

/**
 * The heap a render worker may use. The parser holds about 60 to 120 bytes per byte of a normal
 * article; an article of limits.maxTextBytes (2 MB) of ordinary prose fits, a crafted one that
 * explodes into millions of nodes does not and is refused instead of taking the machine's memory.
 */
export const RENDER_HEAP_MB = 96;

/** "took longer than 100 ms", "took longer than 10 s". */
export function formatLimit(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

interface Slot {
  worker: Worker | undefined;
  busy: boolean;
  /** The worker has loaded the renderer (its start-up does not count against the time limit). */
  ready: boolean;
}

interface Job {
  input: RenderInput;
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

  /**
   * At most one worker: a render takes milliseconds (only articles of INLINE_BELOW or more come
   * here), and one worker at RENDER_HEAP_MB keeps the run's peak memory within its budget.
   */
  static readonly MAX_WORKERS = 1;

  constructor(size: number, timeoutMs: number) {
    const n = Math.max(1, Math.min(size, RenderPool.MAX_WORKERS));
    this.#slots = Array.from({ length: n }, () => ({ worker: undefined, busy: false, ready: false }));
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

  render: RenderFn = async (input, settings) => {
    if (input.source.length < RenderPool.INLINE_BELOW) {
      const { renderArticle } = await import('./render.js');
      return renderArticle(input, settings);
    }
    return this.#enqueue(input, settings);
  };

  #enqueue = (input: RenderInput, settings: ExtractSettings) =>
    new Promise<string>((resolve, reject) => {
      if (this.#closed) {
        reject(new Error('render pool is closed'));
        return;
      }
      this.#queue.push({ input, settings, resolve, reject });
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
    if (!slot.worker) slot.ready = false;
    const worker = (slot.worker ??= new Worker(this.#url, {
      resourceLimits: { maxOldGenerationSizeMb: RENDER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
    }));
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      slot.busy = false;
      this.#pump();
    };
    const onMessage = (
      msg:
        | { ready: true }
        | { ok: true; content: string }
        | { ok: false; error: string; kind: string; line?: number; column?: number },
    ) => {
      if (settled) return;
      if ('ready' in msg) {
        slot.ready = true;
        startTimer();
        return;
      }
      done();
      if (msg.ok) job.resolve(msg.content);
      else
        job.reject(
          msg.kind === 'RenderError'
            ? Object.assign(new Error(msg.error), { name: 'RenderError', line: msg.line, column: msg.column })
            : new Error(msg.error),
        );
    };
    const onError = (err: Error) => {
      if (settled) return;
      slot.worker = undefined;
      done();
      // The worker ran out of its heap: the article needs more memory than any article should.
      if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY')
        job.reject(
          new RenderTimeout(
            `the Markdown needs more than ${RENDER_HEAP_MB} MB of memory to process (crafted or pathological input); simplify it`,
          ),
        );
      else job.reject(err);
    };
    const startTimer = () => {
      timer = setTimeout(() => {
        if (settled) return;
        slot.worker = undefined;
        void worker.terminate();
        done();
        job.reject(
          new RenderTimeout(
            `the Markdown took longer than ${formatLimit(this.#timeoutMs)} to process (limits.renderTimeoutMs); simplify it`,
          ),
        );
      }, this.#timeoutMs);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    // A new worker says when it is ready; the message waits for it.
    worker.postMessage({ input: job.input, settings: job.settings });
    if (slot.ready) startTimer();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const j of this.#queue.splice(0)) j.reject(new Error('render pool closed'));
    await Promise.all(this.#slots.flatMap((s) => (s.worker ? [s.worker.terminate()] : [])));
  }
}
