/**
 * Virtual time for code that takes a clock and a sleep: `sleep` parks a promise on a timer list,
 * and `drive` runs a piece of work to its end, advancing the clock to the next timer whenever
 * nothing else is left to do. No real timer runs, so results do not depend on the machine's load.
 */
export interface VirtualTime {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  drive: <T>(work: Promise<T>) => Promise<T>;
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[];
}

export function virtualTime(): VirtualTime {
  let now = 0;
  let seq = 0;
  const sleeps: number[] = [];
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  const idle = () => new Promise<void>((r) => setImmediate(r));
  return {
    sleeps,
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new Error('aborted'));
        sleeps.push(ms);
        const t = { at: now + Math.max(0, ms), seq: seq++, fire: resolve };
        timers.push(t);
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        signal?.addEventListener(
          'abort',
          () => {
            timers.splice(timers.indexOf(t), 1);
            reject(new Error('aborted'));
          },
          { once: true },
        );
      }),
    drive: async (work) => {
      let settled = false;
      const watched = work.finally(() => (settled = true));
      for (;;) {
        await idle();
        if (settled) return watched;
        const t = timers.shift();
        if (!t) return watched;
        now = t.at;
        t.fire();
      }
    },
  };
}
