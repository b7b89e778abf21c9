import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

/** What the build's bundle (package.json, "bundle") leaves out on purpose. */
describe('the bundle', () => {
  it("holds no js-yaml (gray-matter's default engine: kb-sync parses front matter with yaml), so no esprima is loaded", () => {
    const dir = path.dirname(CLI);
    const code = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    expect(code.length).toBeGreaterThan(1);
    expect(code.some((c) => c.includes('node_modules/gray-matter/'))).toBe(true);
    expect(code.filter((c) => c.includes('node_modules/js-yaml/') || c.includes("'esprima'"))).toEqual([]);
    expect(code.some((c) => c.includes('src/extract/js-yaml-unused.ts'))).toBe(true);
  });
});
