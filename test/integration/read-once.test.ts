import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileChecked } from '../../src/extract/read.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir, writeTree } from '../helpers/fs.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * Read once, check once (issue 11, item 8): a folder swapped for a symbolic link between the
 * scan and the upload must not make the run send a file from outside; what is opened is checked
 * to be inside the folder, and what is sent is what was hashed.
 */

const OUTSIDE = {
  'sub/doc.txt': 'OUTSIDE-SECRET document bytes\n',
  'sub/page.md': '# Outside\n\nOUTSIDE-SECRET page.\n',
};

describe('a folder swapped for a link between the scan and the push', () => {
  it('sends nothing from outside (documents and articles), and the next run sends the inside files', async () => {
    const emu = await emulator();
    const p = project({
      'a.md': '# A\n\nbody a\n',
      'sub/doc.txt': 'inside document bytes\n',
      'sub/page.md': '# Inside page\n\ninside body.\n',
    });
    const outside = tempDir();
    writeTree(outside, OUTSIDE);
    const sub = path.join(p.knowledge, 'sub');
    let swapped = false;
    const { sync } = inProcess(p, emu);
    const r = await sync({
      events: {
        // After the scan and the extraction hashed every file, before anything is sent.
        phase: (phase) => {
          if (phase !== 'push' || swapped) return;
          fs.renameSync(sub, `${sub}-moved`);
          fs.symlinkSync(path.join(outside, 'sub'), sub);
          swapped = true;
        },
      },
    });
    expect(swapped).toBe(true);
    const sent = JSON.stringify(emu.created(emu.botId));
    const uploaded = [...emu.world.uploads.values()].map((u) => Buffer.from(u.bytes).toString('utf8'));
    expect(sent).not.toContain('OUTSIDE-SECRET');
    expect(uploaded.join('\n')).not.toContain('OUTSIDE-SECRET');
    expect(emu.created(emu.botId).map((d) => d.title)).toEqual(['A']);
    const notSent = r.items.filter((i) => i.file.includes('sub/')).map((i) => [path.basename(i.file), i.status]);
    expect(notSent.sort()).toEqual([
      ['doc.txt', 'failed'],
      ['page.md', 'failed'],
    ]);
    expect(r.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/outside the knowledge folder/),
      expect.stringMatching(/outside the knowledge folder/),
    ]);

    // The folder back as it was: the inside files are sent, once.
    fs.rmSync(sub);
    fs.renameSync(`${sub}-moved`, sub);
    const again = await sync();
    expect(again.counts.create).toBe(2);
    const titles = emu.created(emu.botId).map((d) => d.title);
    expect(titles.sort()).toEqual(['A', 'Inside page', 'doc.txt']);
    expect(JSON.stringify(emu.created(emu.botId))).not.toContain('OUTSIDE-SECRET');
  });

  it('readFileChecked refuses a file whose folder became a link, given the folder', () => {
    const root = fs.realpathSync(tempDir());
    writeTree(root, { 'sub/a.md': 'inside' });
    const outside = tempDir();
    writeTree(outside, { 'a.md': 'OUTSIDE-SECRET' });
    fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub-moved'));
    fs.symlinkSync(outside, path.join(root, 'sub'));
    const r = readFileChecked(path.join(root, 'sub/a.md'), 'sub/a.md', 1 << 20, 'too big', root);
    expect(r).toMatchObject({ ok: false, issue: { file: 'sub/a.md', severity: 'error' } });
    expect(r.ok ? '' : r.issue.message).toMatch(/outside the knowledge folder/);
    // A file that is inside reads as before.
    const ok = readFileChecked(path.join(root, 'sub-moved/a.md'), 'sub-moved/a.md', 1 << 20, 'too big', root);
    expect(ok.ok && ok.bytes.toString()).toBe('inside');
  });
});
