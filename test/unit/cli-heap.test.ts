import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapFlag } from '../../src/cli/heap.js';

describe('heapFlag (how the CLI lets its heap grow)', () => {
  it('sets a fixed heap growth unless node was given one', () => {
    expect(heapFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
    expect(heapFlag(['--heap-growing-percent=20'], undefined)).toBeUndefined();
    expect(heapFlag([], '--trace-gc --heap_growing_percent=80')).toBeUndefined();
  });
});
