import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit.js';
import { ConfigError } from '../../src/errors.js';
import {
  readToken,
  refNameProblem,
  requireBotId,
  requireToken,
  resolveConfig,
  selectTargets,
} from '../../src/config/load.js';
import { botKey, doubleClaimError, findDoubleClaims } from '../../src/config/targets.js';

/** Targets and the git-held state in sync.config.json: validation and resolution (pure). */

const FILE = '/projects/help/sync.config.json';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const resolve = (raw: unknown, env: NodeJS.ProcessEnv = {}, text?: string) =>
  resolveConfig(raw, { file: FILE, display: 'sync.config.json', env, ...(text ? { text } : {}) });

const twoTargets = {
  exclude: ['inbox/**'],
  rateLimit: { requestsPerSecond: 3 },
  markdown: { baseUrl: 'https://help.example.com/' },
  targets: [
    { name: 'en', botId: 'bot-en', exclude: ['ja/**', 'inbox/**'] },
    {
      name: 'ja',
      botIdEnv: 'JA_BOT',
      tokenEnv: 'JA_TOKEN',
      include: ['ja/**'],
      rateLimit: { concurrency: 1 },
      markdown: { baseUrl: 'https://help.example.com/ja/' },
      knowledgeDir: 'docs',
      stateFile: 'state/ja.sqlite',
    },
  ],
};

describe('targets: resolution', () => {
  it('a single-bot configuration is unchanged: no targets, one configuration to run', () => {
    const cfg = resolve({ botId: 'b1' });
    expect(cfg.targets).toEqual([]);
    expect(cfg.target).toBeUndefined();
    expect(cfg.tokenEnv).toBe('CXGENIE_WORKSPACE_TOKEN');
    expect(selectTargets(cfg)).toEqual([cfg]);
    expect(cfg.gitState).toEqual({
      enabled: false,
      remote: 'origin',
      ref: 'refs/kb-sync/state/b1',
      refTemplate: 'refs/kb-sync/state/{bot}',
      lockTimeoutSeconds: 900,
    });
    expect(configError(() => selectTargets(cfg, ['en'])).message).toMatch(/--target en: .* has no "targets"/);
  });

  it('each target gets the top level merged with its own settings: objects key by key, lists replaced', () => {
    const cfg = resolve(twoTargets, { JA_BOT: ' bot-ja ' });
    const [en, ja] = cfg.targets;
    expect(en).toMatchObject({
      target: 'en',
      botId: 'bot-en',
      knowledgeDir: '/projects/help/knowledge',
      stateFile: '/projects/help/.kb-sync/state.en.db',
      include: ['**/*'],
      exclude: ['ja/**', 'inbox/**'],
      rateLimit: { requestsPerSecond: 3, concurrency: 4 },
      markdown: { format: 'markdown', baseUrl: 'https://help.example.com/' },
      tokenEnv: 'CXGENIE_WORKSPACE_TOKEN',
      sources: { botId: 'file' },
    });
    expect(ja).toMatchObject({
      target: 'ja',
      botId: 'bot-ja',
      knowledgeDir: '/projects/help/docs',
      stateFile: '/projects/help/state/ja.sqlite',
      include: ['ja/**'],
      exclude: ['inbox/**'],
      rateLimit: { requestsPerSecond: 3, concurrency: 1 },
      markdown: { format: 'markdown', baseUrl: 'https://help.example.com/ja/' },
      tokenEnv: 'JA_TOKEN',
      sources: { botId: 'env', botIdEnv: 'JA_BOT' },
    });
    expect(selectTargets(cfg).map((t) => t.target)).toEqual(['en', 'ja']);
    expect(selectTargets(cfg, ['JA', 'ja']).map((t) => t.target)).toEqual(['ja']);
    expect(configError(() => selectTargets(cfg, ['fr'])).message).toBe('--target fr: no such target (known: en, ja).');
  });

  it("CXGENIE_API_URL applies to every target; a target's token and bot come from its own variables", () => {
    const cfg = resolve(
      { ...twoTargets, targets: [{ ...twoTargets.targets[1], apiBaseUrl: 'https://eu.example.com/api/' }] },
      { CXGENIE_API_URL: 'http://127.0.0.1:9/api/', JA_BOT: 'b', JA_TOKEN: 't-ja', CXGENIE_WORKSPACE_TOKEN: 't-main' },
    );
    const [ja] = cfg.targets as [(typeof cfg.targets)[number]];
    expect(ja.apiBaseUrl).toBe('http://127.0.0.1:9/api');
    expect(readToken({ JA_TOKEN: 't-ja', CXGENIE_WORKSPACE_TOKEN: 't-main' }, ja)).toBe('t-ja');
    expect(configError(() => requireToken({ CXGENIE_WORKSPACE_TOKEN: 't-main' }, ja)).message).toBe(
      'Target "ja": no workspace token: set the JA_TOKEN environment variable (its "tokenEnv").',
    );
    const noEnvBot = resolve(twoTargets).targets[1] as (typeof cfg.targets)[number];
    expect(noEnvBot.botId).toBeUndefined();
    expect(configError(() => requireBotId(noEnvBot)).message).toBe(
      'Target "ja": no bot id: its "botIdEnv" variable JA_BOT is not set.',
    );
  });

  it('CXGENIE_BOT_ID with targets, a top-level botId with targets, and tokens in a target are refused', () => {
    expect(configError(() => resolve(twoTargets, { CXGENIE_BOT_ID: 'x' })).message).toMatch(
      /CXGENIE_BOT_ID is set, but sync.config.json has "targets"/,
    );
    expect(configError(() => resolve({ ...twoTargets, botId: 'b' })).message).toMatch(
      /"botId" with "targets", each target names its bot/,
    );
    const e = configError(() => resolve({ targets: [{ name: 'a', botId: 'b', workspaceToken: 'abc' }] }));
    expect(e.message).toContain('"targets[0].workspaceToken" looks like a credential');
    expect(e.hint).toContain('"tokenEnv"');
  });

  it('bad targets are located in the file and say what to do', () => {
    const text = `{
  "targets": [
    { "name": "en", "botId": "b1" },
    { "name": "EN", "botId": "b2", "colour": "red" },
    { "name": "fr", "botId": "b3", "botIdEnv": "FR_BOT" },
    { "name": "-x", "botIdEnv": "has space" }
  ]
}`;
    const msg = configError(() => resolve(JSON.parse(text), {}, text)).message;
    expect(msg).toContain('sync.config.json:4:36 unknown key "targets.1.colour" (allowed: name, botId, botIdEnv,');
    expect(msg).toContain('sync.config.json:4:7 "targets.1.name" repeats the name of targets[0] ("en")');
    expect(msg).toContain('sync.config.json:5:5 "targets.2" target "fr" needs exactly one of "botId" and "botIdEnv"');
    expect(msg).toMatch(/sync\.config\.json:6:7 "targets\.3\.name" must be 1 to 63 letters/);
    expect(msg).toMatch(/sync\.config\.json:6:21 "targets\.3\.botIdEnv" must be the name of an environment variable/);
    expect(configError(() => resolve({ targets: [] })).message).toContain('"targets" must be ≥ 1');
  });

  it('two targets may not share a state file or a state ref', () => {
    expect(
      configError(() =>
        resolve({
          targets: [
            { name: 'a', botId: 'b1', stateFile: 's.db' },
            { name: 'b', botId: 'b2', stateFile: 's.db' },
          ],
        }),
      ).message,
    ).toBe('sync.config.json: targets "a" and "b" use the same state file /projects/help/s.db.');
    expect(
      configError(() =>
        resolve({
          gitState: { enabled: true, ref: 'refs/kb-sync/state/{bot}' },
          targets: [
            { name: 'a', botId: 'same', include: ['a/**'] },
            { name: 'b', botId: 'same', include: ['b/**'] },
          ],
        }),
      ).message,
    ).toBe('sync.config.json: targets "a" and "b" use the same state ref refs/kb-sync/state/same.');
  });
});

describe('gitState', () => {
  it('expands {bot} and {target} into a valid ref that is not a branch; the default differs with targets', () => {
    expect(resolve({ botId: 'a/b c', gitState: { enabled: true } }).gitState.ref).toBe('refs/kb-sync/state/a_b_c');
    const cfg = resolve({ gitState: { enabled: true, remote: 'upstream' }, targets: [{ name: 'en', botId: 'b1' }] });
    expect(cfg.targets[0]?.gitState).toMatchObject({ remote: 'upstream', ref: 'refs/kb-sync/state/b1.en' });
    const custom = resolve({
      gitState: { ref: 'refs/bots/{target}/{bot}' },
      targets: [{ name: 'en', botId: 'b1', gitState: { enabled: true, lockTimeoutSeconds: 60 } }],
    });
    expect(custom.targets[0]?.gitState).toMatchObject({
      enabled: true,
      ref: 'refs/bots/en/b1',
      lockTimeoutSeconds: 60,
    });
    expect(configError(() => resolve({ botId: 'b', gitState: { ref: 'refs/heads/{bot}' } })).message).toMatch(
      /"gitState.ref" gives "refs\/heads\/b", which is a branch, tag or remote-tracking ref/,
    );
    expect(configError(() => resolve({ botId: 'b', gitState: { ref: 'refs/x/{bots}' } })).message).toMatch(
      /unknown placeholder \{bots\}/,
    );
    expect(configError(() => resolve({ botId: 'b', gitState: { ref: 'refs/x/{target}' } })).message).toMatch(
      /uses \{target\}, but the configuration has no targets/,
    );
    expect(configError(() => resolve({ gitState: { lockTimeoutSeconds: 0 } })).message).toMatch(
      /"gitState.lockTimeoutSeconds" must be ≥ 1/,
    );
  });

  it.each([
    ['refs/kb-sync/state/b', undefined],
    ['refs/kb-sync/state/b.en', undefined],
    ['kb-sync/state/b', 'does not start with refs/'],
    ['refs/tags/x', 'is a branch, tag or remote-tracking ref'],
    ['refs/x/a..b', 'is not a valid ref name'],
    ['refs/x/.hidden', 'is not a valid ref name'],
    ['refs/x/y.lock', 'is not a valid ref name'],
    ['refs/x/a b', 'has a character git does not allow in ref names'],
    ['refs/x/a:b', 'has a character git does not allow in ref names'],
  ])('ref name %s', (name, problem) => {
    expect(refNameProblem(name)).toBe(problem);
  });
});

describe('double claims', () => {
  it('a file two targets of one bot claim is found, with both names; other bots may share files', () => {
    const found = findDoubleClaims([
      { target: 'en', bot: 'b1', files: ['/k/a.md', '/k/ja/x.md', '/k/ja/y.md'] },
      { target: 'ja', bot: 'b1', files: ['/k/ja/x.md', '/k/ja/y.md'] },
      { target: 'staging', bot: 'b2', files: ['/k/a.md', '/k/ja/x.md'] },
    ]);
    expect(found).toEqual([
      { file: '/k/ja/x.md', bot: 'b1', targets: ['en', 'ja'] },
      { file: '/k/ja/y.md', bot: 'b1', targets: ['en', 'ja'] },
    ]);
    const err = doubleClaimError(found, (f) => f.replace('/k/', 'knowledge/'));
    expect(exitCodeForError(err)).toBe(2);
    expect(err.message).toContain('knowledge/ja/x.md is claimed by targets "en" and "ja", both for bot b1');
    expect(findDoubleClaims([{ target: 'a', bot: 'b', files: ['/x'] }])).toEqual([]);
  });

  it("a bot read from a variable is keyed by the variable's name while it is unset", () => {
    const cfg = resolve({
      targets: [
        { name: 'a', botIdEnv: 'BOT' },
        { name: 'b', botIdEnv: 'BOT' },
      ],
    });
    expect(cfg.targets.map(botKey)).toEqual(['env:BOT', 'env:BOT']);
    const found = findDoubleClaims(
      cfg.targets.map((t) => ({ target: t.target as string, bot: botKey(t), files: ['/f'] })),
    );
    expect(doubleClaimError(found, (f) => f).message).toContain('both for the bot in BOT');
  });
});
