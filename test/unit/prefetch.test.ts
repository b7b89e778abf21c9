import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefetchRoot } from '../../src/cli/prefetch.js';
import { tempDir } from '../helpers/fs.js';

/** Which folder the CLI starts asking git about before it loads (src/cli/prefetch.ts). */
describe('prefetchRoot', () => {
  function setup(config: string | undefined, folders = ['knowledge', 'docs']) {
    const dir = tempDir('kb-prefetch-');
    for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
    if (config !== undefined) fs.writeFileSync(path.join(dir, 'sync.config.json'), config);
    return dir;
  }

  it('reads the folder the way the configuration does: --config, -c, --config=, ./sync.config.json, the default', () => {
    const dir = setup(JSON.stringify({ knowledgeDir: 'docs' }));
    const docs = path.join(dir, 'docs');
    expect(prefetchRoot(['sync'], dir)).toBe(docs);
    expect(prefetchRoot(['plan', '--config', 'sync.config.json'], dir)).toBe(docs);
    expect(prefetchRoot(['adopt', '-c', path.join(dir, 'sync.config.json')], '/')).toBe(docs);
    expect(prefetchRoot(['sync', '--json', '--config=sync.config.json'], dir)).toBe(docs);
    // A config elsewhere: the folder is relative to the config file, not to the working directory.
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(path.join(sub, 'kb'), { recursive: true });
    fs.writeFileSync(path.join(sub, 'c.json'), JSON.stringify({ knowledgeDir: 'kb' }));
    expect(prefetchRoot(['sync', '-c', 'sub/c.json'], dir)).toBe(path.join(sub, 'kb'));
    // No config file at all: the default folder.
    const bare = setup(undefined);
    expect(prefetchRoot(['sync'], bare)).toBe(path.join(bare, 'knowledge'));
  });

  it('starts nothing outside the plain case: the run asks git itself', () => {
    const plain = setup('{}');
    for (const args of [['status'], ['watch'], [], ['--json', 'sync'], ['sync', '--config', 'missing.json']])
      expect(prefetchRoot(args, plain), args.join(' ')).toBeUndefined();
    for (const config of [
      JSON.stringify({ targets: [{ name: 'a', botId: 'b' }] }),
      JSON.stringify({ git: false }),
      JSON.stringify({ knowledgeDir: 'absent' }),
      JSON.stringify({ knowledgeDir: 3 }),
      '// a comment\n{}',
      '[]',
      '{"knowledgeDir": ',
    ])
      expect(prefetchRoot(['sync'], setup(config)), config).toBeUndefined();
  });
});
