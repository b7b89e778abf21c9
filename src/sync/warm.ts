/**
 * Use the time spent waiting for git. In a big repository `git status` takes a good part of a
 * second, while this process has nothing to do; a run that then finds a change must still load
 * the article reader, the renderer and the HTTP client. Loading them while waiting makes a one-file
 * change cost little more than a no-op. It starts only once git has kept the run waiting for
 * `afterMs` (a small folder's git has long answered), goes one module at a time, and stops as
 * soon as git answers (`stop`), so a no-op waits for at most the module being loaded.
 */
export function warmWhileWaiting(opts: { push: boolean; afterMs?: number }): { stop: () => void } {
  let stopped = false;
  const steps: (() => unknown)[] = [
    () => import('./extract-many.js'),
    () => import('../extract/index.js'),
    () => import('../extract/render.js'),
  ];
  if (opts.push) {
    steps.push(
      () => import('../api/client.js'),
      () => import('../push/pacer.js'),
      () => import('../push/pusher.js'),
      // Node loads its HTTP client (undici) on the first call of fetch: a data: URL, no network.
      () => fetch('data:,').then((r) => r.arrayBuffer()),
    );
  }
  const timer = setTimeout(() => {
    void (async () => {
      for (const step of steps) {
        if (stopped) return;
        try {
          await step();
        } catch {
          return; // The run itself loads it again, and says what went wrong.
        }
      }
    })();
  }, opts.afterMs ?? 50);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
