/** Where a run's time went, for --verbose and the benchmark: phase → milliseconds (summed). */
export class Stopwatch {
  readonly started = performance.now();
  /** When the run started (ISO), to tell what turned stale in this run. */
  readonly startedAt = new Date().toISOString();
  readonly timings: Record<string, number> = {};
  #mark = this.started;

  /** Charge the time since the last lap to `phase`. */
  lap(phase: string): void {
    const now = performance.now();
    this.timings[phase] = Math.round((this.timings[phase] ?? 0) + now - this.#mark);
    this.#mark = now;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }
}
