import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

const made: string[] = [];
const madeForFile: string[] = [];

/**
 * A fresh temporary folder, removed after the test (or, with `until: 'file'`, after the test
 * file: for set-up shared by several tests in `beforeAll`).
 */
export function tempDir(prefix = 'kb-sync-test-', opts: { until?: 'test' | 'file' } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  (opts.until === 'file' ? madeForFile : made).push(dir);
  return dir;
}

afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

afterAll(() => {
  for (const d of madeForFile.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Write files (relative path → text or bytes) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** Set a file's mtime into the past, so the stat fast path does not see it as just modified ("racy"). */
export function age(root: string, seconds = 60): void {
  const t = new Date(Date.now() - seconds * 1000);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) fs.utimesSync(p, t, t);
    }
  };
  walk(root);
}
