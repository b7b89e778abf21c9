import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { runDoc } from '../helpers/json.js';

describe('kb-sync sync against the emulator', () => {
  it('pushes a small folder once, then nothing on a re-run', async () => {
    const emu = await emulator();
    const p = project(
      {
        'a.md': '---\ntitle: Alpha\n---\nAlpha body text.\n',
        'faq.qa.yaml': '- q: How much?\n  a: Ten dollars.\n- q: Where?\n  a: Online.\n',
        'links.urls': 'https://example.com/a\n',
      },
      { emu },
    );
    const first = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(first.stderr).not.toContain('internal error');
    expect(first.code).toBe(0);
    const doc = runDoc(first.stdout);
    expect(doc.counts).toMatchObject({ create: 4, update: 0, stale: 0, failed: 0 });
    expect(emu.created(emu.botId)).toHaveLength(4);

    const before = emu.stats().requests;
    const second = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(second.code).toBe(0);
    expect(runDoc(second.stdout).counts).toMatchObject({ create: 0, unchanged: 4 });
    expect(emu.stats().requests).toBe(before);
  });
});
