import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefetchRoot } from '../../src/cli/prefetch.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/fs.js';

/** Which folder the CLI starts asking git about before it loads (src/cli/prefetch.ts). */
describe('prefetchRoot', () => {
  function setup(config: string | undefined, folders = ['knowledge', 'docs']) {
    const dir = tempDir('kb-prefetch-');
    for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
    if (config !== undefined) fs.writeFileSync(path.join(dir, 'sync.config.json'), config);
    return dir;
  }

  it('reads the folder and the state file the way the configuration does: --config, -c, --config=, ./sync.config.json, the default', () => {
    const dir = setup(JSON.stringify({ knowledgeDir: 'docs' }));
    const docs = path.join(dir, 'docs');
    const at = (args: string[], cwd: string) => prefetchRoot(args, cwd)?.root;
    expect(at(['sync'], dir)).toBe(docs);
    expect(at(['plan', '--config', 'sync.config.json'], dir)).toBe(docs);
    expect(at(['adopt', '-c', path.join(dir, 'sync.config.json')], '/')).toBe(docs);
    expect(at(['sync', '--json', '--config=sync.config.json'], dir)).toBe(docs);
    // A config elsewhere: both are relative to the config file, not to the working directory.
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(path.join(sub, 'kb'), { recursive: true });
    fs.writeFileSync(path.join(sub, 'c.json'), JSON.stringify({ knowledgeDir: 'kb', stateFile: 'st/s.db' }));
    const elsewhere = prefetchRoot(['sync', '-c', 'sub/c.json'], dir);
    const cfg = loadConfig({ cwd: dir, configPath: 'sub/c.json', env: {} });
    expect(elsewhere).toEqual({ root: cfg.knowledgeDir, stateFile: cfg.stateFile });
    expect(elsewhere?.stateFile).toBe(path.join(sub, 'st', 's.db'));
    // No config file at all: the defaults.
    const bare = setup(undefined);
    const defaults = loadConfig({ cwd: bare, env: {} });
    expect(prefetchRoot(['sync'], bare)).toEqual({ root: defaults.knowledgeDir, stateFile: defaults.stateFile });
    expect(defaults.knowledgeDir).toBe(path.join(bare, 'knowledge'));
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
      JSON.stringify({ stateFile: false }),
      '// a comment\n{}',
      '[]',
      '{"knowledgeDir": ',
    ])
      expect(prefetchRoot(['sync'], setup(config)), config).toBeUndefined();
  });
});
