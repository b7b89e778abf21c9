import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapFlag, wasmFlag } from '../../src/cli/heap.js';

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

describe('wasmFlag (how the CLI compiles WebAssembly)', () => {
  it('baseline only, unless the user chose how node tiers WebAssembly', () => {
    expect(wasmFlag([], undefined)).toBe('--liftoff-only');
    expect(wasmFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe('--liftoff-only');
    expect(wasmFlag(['--no-liftoff'], undefined)).toBeUndefined();
    expect(wasmFlag([], '--wasm-tier-up')).toBeUndefined();
    expect(wasmFlag([], '--trace-gc --no-wasm-dynamic-tiering')).toBeUndefined();
  });
});
