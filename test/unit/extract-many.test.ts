import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileResult, ScannedFile } from '../../src/extract/index.js';
import { extractEach, extractMany, InOrder } from '../../src/sync/extract-many.js';
import { collectExtract, collectExtracts, emptyCollected } from '../../src/sync/stages/plan.js';
import type { ExtractSettings } from '../../src/extract/types.js';

/** Extraction handed on file by file, in the files' order, and collected as it comes (a dry run holds no result). */

const SETTINGS: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 1 << 20,
  maxItemsPerFile: 100,
  maxDocumentBytes: 1 << 20,
};

const result = (relPath: string): FileResult => ({
  relPath,
  kind: 'article',
  extract: { items: [], issues: [], complete: true },
});

describe('InOrder', () => {
  it('hands results on in the files’ order, whatever order they arrive in', () => {
    const seen: string[] = [];
    const ordered = new InOrder((r) => seen.push(r.relPath));
    ordered.put(2, result('c'));
    ordered.put(0, result('a'));
    expect(seen).toEqual(['a']);
    ordered.put(3, result('d'));
    ordered.put(1, result('b'));
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(ordered.handed).toBe(4);
  });
});

describe('extractEach', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-each-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files: ScannedFile[] = [];
  for (let i = 0; i < 30; i++) {
    // Documents are hashed asynchronously: they come back after the text files read next to them.
    const [name, kind, body] =
      i % 3 === 0
        ? [`doc-${i}.csv`, 'document' as const, `a,b\n${i},${i}\n`.repeat(200)]
        : [`a-${i}.md`, 'article' as const, `---\ntitle: Page ${i}\n---\n\nBody ${i}.\n`];
    fs.writeFileSync(path.join(dir, name), body);
    // A minute old: a file is "racy" for 3 s after a write, and the two extractions compared
    // below must see the same, however slow the machine.
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, name), old, old);
    files.push({ relPath: name, absPath: path.join(dir, name), kind, sig: '' });
  }

  it('hands every file’s result on in the files’ order, the same results as extractMany gives', async () => {
    const handed: FileResult[] = [];
    await extractEach(files, SETTINGS, (r) => handed.push(r));
    expect(handed.map((r) => r.relPath)).toEqual(files.map((f) => f.relPath));
    expect(handed).toEqual(await extractMany(files, SETTINGS));
  });

  it('collected as they come, the results add up to what collecting them all at once gives', async () => {
    const streamed = emptyCollected();
    await extractEach(files, SETTINGS, (r) => collectExtract(streamed, r));
    const whole = collectExtracts(await extractMany(files, SETTINGS));
    expect(streamed).toEqual(whole);
    expect(streamed.desired.map((d) => d.label)).toContain('Page 1');
    expect(streamed.desired).toHaveLength(30);
  });
});
