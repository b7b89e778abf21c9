/** How many items a run created, updated, moved, reported stale, left unchanged, or failed. */
export interface RunCounts {
  create: number;
  update: number;
  moved: number;
  stale: number;
  unchanged: number;
  failed: number;
}
