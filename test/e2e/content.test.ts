import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { SLOW_TO_RENDER } from '../helpers/hostile.js';

/** Content fidelity end to end on small made-up folders (the real corpora: corpora.test.ts). */

const body = (d: { type: string; title?: string | null; content: string }) => d.content;

interface RunJson {
  counts: Record<string, number>;
  errors: { file: string; line?: number; message: string }[];
}
const json = (stdout: string) => JSON.parse(stdout) as RunJson;

describe('content: what the bot gets', () => {
  it('a moved article is a move with markdown.baseUrl set when its links resolve the same (issue 17 item 2)', async () => {
    const emu = await emulator();
    const p = project(
      {
        'a/mover.md': '---\ntitle: Mover\n---\nNo links at all.\n',
        'a/absolute.md': '---\ntitle: Absolute\n---\nSee [the site](https://example.com/x) and [root](/pricing).\n',
        'a/relative.md': '---\ntitle: Relative\n---\nSee [setup](setup.md).\n',
      },
      { emu, config: { markdown: { format: 'markdown', baseUrl: 'https://help.example.com/' } } },
    );
    expect((await runCli(['sync', '--json'], { cwd: p.dir, env: p.env })).code).toBe(0);
    p.rename('a/mover.md', 'b/mover.md');
    p.rename('a/absolute.md', 'b/c/absolute.md');
    p.rename('a/relative.md', 'b/relative.md');
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    // The relative link now resolves elsewhere: a new payload (created, the old one stale).
    expect(doc.counts).toMatchObject({ create: 1, moved: 2, stale: 1, failed: 0 });
    const created = emu.created(emu.botId);
    expect(created.filter((d) => d.title === 'Relative').map(body)).toEqual([
      'See [setup](https://help.example.com/a/setup.md).',
      'See [setup](https://help.example.com/b/setup.md).',
    ]);
  });

  it('partials are not articles; MDX is parsed as MDX', async () => {
    const emu = await emulator();
    const p = project(
      {
        'docs/_partial.mdx': 'A piece other pages include.\n',
        'docs/_index.md': '---\ntitle: Section\n---\nThe section page.\n',
        'docs/page.mdx':
          '---\ntitle: Page\n---\nimport Tabs from \'@theme/Tabs\';\n\n# Page\n\n<Tabs>\n  <TabItem label="npm">\n    ```sh\n    npm i\n\n    npm run x\n    ```\n  </TabItem>\n</Tabs>\n',
      },
      { emu },
    );
    const r = await runCli(['sync', '--json', '--verbose'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const created = emu.created(emu.botId);
    expect(created.map((d) => d.title).sort()).toEqual(['Page', 'Section']);
    expect(body(created.find((d) => d.title === 'Page')!)).toBe('**npm**\n```sh\nnpm i\n\nnpm run x\n```');
  });

  it('limits.renderTimeoutMs below a second is reported in milliseconds (issue 17 item 9)', async () => {
    const emu = await emulator();
    const p = project(
      {
        'ok.md': '---\ntitle: Fine\n---\nA normal article.\n',
        'slow.md': `---\ntitle: Slow\n---\n${SLOW_TO_RENDER}`,
      },
      { emu, config: { limits: { renderTimeoutMs: 100 } } },
    );
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    const doc = json(r.stdout);
    expect(doc.errors).toEqual([
      expect.objectContaining({
        file: 'knowledge/slow.md',
        line: 4,
        message: 'the Markdown took longer than 100 ms to process (limits.renderTimeoutMs); simplify it',
      }),
    ]);
    expect(emu.created(emu.botId).map((d) => d.title)).toEqual(['Fine']);
  });

  it('a crafted article that needs too much memory is a located error; the others sync (issue 11 item 7)', async () => {
    const emu = await emulator();
    const p = project(
      {
        'ok.md': '---\ntitle: Fine\n---\nA normal article.\n',
        // About 1.9 MB of table rows: millions of nodes if parsed.
        'crafted.md': `---\ntitle: Crafted\n---\n| a | b |\n|---|---|\n${'| x | y |\n'.repeat(190_000)}`,
      },
      { emu, config: { limits: { renderTimeoutMs: 600_000 } } },
    );
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env, timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(doc.errors).toEqual([
      expect.objectContaining({
        file: 'knowledge/crafted.md',
        line: 4,
        message: expect.stringMatching(/^the Markdown needs more than 96 MB of memory to process/) as string,
      }),
    ]);
    expect(emu.created(emu.botId).map((d) => d.title)).toEqual(['Fine']);
  }, 300_000);
});
