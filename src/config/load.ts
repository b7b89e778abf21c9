import fs from 'node:fs';
import path from 'node:path';
import type * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import { configSchema, TOKEN_KEYS, type ParsedConfig } from './schema.js';
import { lineColAt } from '../util/lines.js';
import { ENGLISH } from '../util/zod-english.js';

/** Where the state's source of truth lives when it is held in git (see docs/git-state.md). */
export interface ResolvedGitState {
  enabled: boolean;
  /** A remote name (or URL) of the repository holding the knowledge folder. */
  remote: string;
  /** The ref, placeholders expanded; undefined while the bot id is unknown. */
  ref: string | undefined;
  /** The ref as configured, with `{bot}` and `{target}`. */
  refTemplate: string;
  lockTimeoutSeconds: number;
}

/** The configuration a run uses: validated, defaults filled, paths absolute, env applied. No token. */
export interface ResolvedConfig extends Omit<ParsedConfig, '$schema' | 'botId' | 'targets' | 'gitState'> {
  /** Absolute path of the config file, when one was read. */
  configFile: string | undefined;
  /** The folder relative paths resolve against. */
  baseDir: string;
  botId: string | undefined;
  /** Absolute. */
  knowledgeDir: string;
  /** Absolute. */
  stateFile: string;
  /** The target's name; undefined for a configuration without targets. */
  target: string | undefined;
  /** The environment variable the workspace token is read from. */
  tokenEnv: string;
  gitState: ResolvedGitState;
  /** With `targets`: each target's own configuration, in the file's order. Empty without. */
  targets: ResolvedConfig[];
  /** Where each overridable setting came from, for `--verbose`. */
  sources: { apiBaseUrl: 'file' | 'env' | 'default'; botId: 'file' | 'env' | 'none'; botIdEnv?: string };
}

export const DEFAULT_TOKEN_ENV = 'CXGENIE_WORKSPACE_TOKEN';
export const DEFAULT_STATE_REF = 'refs/kb-sync/state/{bot}';
export const DEFAULT_TARGET_STATE_REF = 'refs/kb-sync/state/{bot}.{target}';

export interface LoadOptions {
  /** `--config`; when absent, `./sync.config.json` if it exists, else defaults. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONFIG_FILE = 'sync.config.json';

/** Read, parse, validate and resolve the configuration. Throws `ConfigError` (exit 2). */
export function loadConfig(opts: LoadOptions = {}): ResolvedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let file: string | undefined;
  let raw: unknown = {};
  let text = '';
  if (opts.configPath !== undefined) {
    file = path.resolve(cwd, opts.configPath);
    text = readConfigText(file, true) as string;
  } else {
    const candidate = path.resolve(cwd, DEFAULT_CONFIG_FILE);
    const t = readConfigText(candidate, false);
    if (t !== undefined) {
      file = candidate;
      text = t;
    }
  }
  const display = file ? path.relative(cwd, file) || file : DEFAULT_CONFIG_FILE;
  if (file !== undefined) raw = parseJson(text, display);
  return resolveConfig(raw, { file, display, text, env, cwd });
}

/** Pure: validate an already parsed config value and resolve it against `file`'s folder and `env`. */
export function resolveConfig(
  raw: unknown,
  ctx: { file?: string; display?: string; text?: string; env?: NodeJS.ProcessEnv; cwd?: string },
): ResolvedConfig {
  const display = ctx.display ?? DEFAULT_CONFIG_FILE;
  const env = ctx.env ?? {};
  refuseCredentialKeys(raw, display);
  const result = configSchema.safeParse(raw, ENGLISH);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => formatIssue(issue, display, ctx.text));
    throw new ConfigError(
      `Invalid configuration in ${display}:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      'See docs/configuration.md, or point your editor at src/config/sync.config.schema.json.',
    );
  }
  const cfg = result.data;
  const baseDir = ctx.file ? path.dirname(ctx.file) : (ctx.cwd ?? process.cwd());

  let apiBaseUrl = cfg.apiBaseUrl;
  let apiSource: ResolvedConfig['sources']['apiBaseUrl'] =
    raw && (raw as Record<string, unknown>).apiBaseUrl ? 'file' : 'default';
  const envUrl = env.CXGENIE_API_URL?.trim();
  if (envUrl) {
    let ok: boolean;
    try {
      ok = /^https?:$/.test(new URL(envUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new ConfigError(`CXGENIE_API_URL must be an http(s) URL, got "${hideUserinfo(envUrl).slice(0, 100)}"`);
    apiBaseUrl = envUrl;
    apiSource = 'env';
  }
  refuseCredentials(apiBaseUrl, apiSource === 'env' ? 'CXGENIE_API_URL' : `"apiBaseUrl" in ${display}`);
  let botId = cfg.botId;
  let botSource: ResolvedConfig['sources']['botId'] = botId ? 'file' : 'none';
  const envBot = env.CXGENIE_BOT_ID?.trim();
  if (envBot && cfg.targets) {
    throw new ConfigError(
      `CXGENIE_BOT_ID is set, but ${display} has "targets": each target names its own bot.`,
      'Unset CXGENIE_BOT_ID (and the Action\'s bot-id input), or give a target "botIdEnv" to read its bot id from a variable.',
    );
  }
  if (envBot) {
    botId = envBot;
    botSource = 'env';
  }
  for (const key of ['knowledgeDir', 'stateFile'] as const) refuseControlCharacters(cfg[key], key, display, ctx.text);
  const { $schema: _schema, targets: rawTargets, gitState, ...rest } = cfg;
  const top: ResolvedConfig = {
    ...rest,
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    botId,
    configFile: ctx.file,
    baseDir,
    knowledgeDir: path.resolve(baseDir, cfg.knowledgeDir),
    stateFile: path.resolve(baseDir, cfg.stateFile),
    target: undefined,
    tokenEnv: DEFAULT_TOKEN_ENV,
    // With targets, the top level's gitState is only what the targets inherit.
    gitState: rawTargets
      ? { ...gitState, ref: undefined, refTemplate: gitState.ref ?? DEFAULT_TARGET_STATE_REF }
      : resolveGitState(gitState, botId, undefined, display),
    targets: [],
    sources: { apiBaseUrl: apiSource, botId: botSource },
  };
  if (rawTargets) {
    rawTargets.forEach((t, i) => {
      for (const key of ['knowledgeDir', 'stateFile'] as const) {
        const v = t[key];
        if (v !== undefined)
          refuseControlCharacters(v, `targets[${i}].${key}`, display, ctx.text, ['targets', String(i), key]);
      }
    });
    top.targets = rawTargets.map((t) => resolveTarget(top, cfg, t, { env, envUrl, display }));
    checkDistinct(top.targets, display);
  }
  return top;
}

type RawTarget = NonNullable<ParsedConfig['targets']>[number];

/** A target's configuration: the top level's settings, with the target's own merged over them. */
function resolveTarget(
  top: ResolvedConfig,
  cfg: ParsedConfig,
  t: RawTarget,
  ctx: { env: NodeJS.ProcessEnv; envUrl: string | undefined; display: string },
): ResolvedConfig {
  const botId = t.botId ?? (t.botIdEnv ? ctx.env[t.botIdEnv]?.trim() || undefined : undefined);
  if (t.apiBaseUrl) refuseCredentials(t.apiBaseUrl, `target "${t.name}": "apiBaseUrl" in ${ctx.display}`);
  const stateFile = t.stateFile
    ? path.resolve(top.baseDir, t.stateFile)
    : (() => {
        const p = path.parse(top.stateFile);
        return path.join(p.dir, `${p.name}.${t.name}${p.ext}`);
      })();
  const merged = <K extends 'kinds' | 'rateLimit' | 'retry' | 'markdown' | 'documents' | 'limits' | 'eval' | 'harvest'>(
    k: K,
  ): ParsedConfig[K] => ({ ...cfg[k], ...definedOnly(t[k] ?? {}) });
  const gitState = { ...cfg.gitState, ...definedOnly(t.gitState ?? {}) };
  if (!t.gitState?.ref && !cfg.gitState.ref) gitState.ref = DEFAULT_TARGET_STATE_REF;
  return {
    ...top,
    apiBaseUrl: (ctx.envUrl ?? t.apiBaseUrl ?? top.apiBaseUrl).replace(/\/+$/, ''),
    botId,
    knowledgeDir: t.knowledgeDir ? path.resolve(top.baseDir, t.knowledgeDir) : top.knowledgeDir,
    stateFile,
    include: t.include ?? cfg.include,
    exclude: t.exclude ?? cfg.exclude,
    kinds: merged('kinds'),
    rateLimit: merged('rateLimit'),
    retry: merged('retry'),
    timeoutMs: t.timeoutMs ?? cfg.timeoutMs,
    uploadTimeoutMs: t.uploadTimeoutMs ?? cfg.uploadTimeoutMs,
    markdown: merged('markdown'),
    documents: merged('documents'),
    limits: merged('limits'),
    eval: merged('eval'),
    harvest: merged('harvest'),
    target: t.name,
    tokenEnv: t.tokenEnv ?? DEFAULT_TOKEN_ENV,
    gitState: resolveGitState(gitState, botId, t.name, ctx.display),
    targets: [],
    sources: {
      apiBaseUrl: ctx.envUrl ? 'env' : t.apiBaseUrl ? 'file' : top.sources.apiBaseUrl,
      botId: t.botId ? 'file' : botId ? 'env' : 'none',
      ...(t.botIdEnv ? { botIdEnv: t.botIdEnv } : {}),
    },
  };
}

/**
 * A user name, password, query or fragment in the API URL is where a token ends up when pasted
 * (`?workspace_token=…`, `user:secret@`): it would go to every server on the way, into logs and
 * into the state file. Refused (exit 2), said without repeating it. The token has one place:
 * the CXGENIE_WORKSPACE_TOKEN environment variable.
 */
function refuseCredentials(url: string, where: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  const shown = `${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}${u.pathname}`;
  if (u.username !== '' || u.password !== '') {
    throw new ConfigError(
      `${where}: the API base URL must not hold a user name or password (${shown}).`,
      'Remove the "user:password@" part. The workspace token goes in the CXGENIE_WORKSPACE_TOKEN environment variable.',
    );
  }
  // Even a bare `?` (the paths are appended to this URL). Not even the query's parameter names
  // are repeated: in `?s3cret` the name is the secret.
  const query = url.indexOf('?');
  const hash = url.indexOf('#');
  if (query !== -1 || hash !== -1) {
    const isQuery = query !== -1 && (hash === -1 || query < hash);
    const part = isQuery ? 'a query' : 'a fragment';
    throw new ConfigError(
      `${where}: the API base URL must not have ${part} (${shown}${isQuery ? '?…' : '#…'}): a token written there would go with every request and into the state file.`,
      'Give the URL up to the public-api prefix only (e.g. https://api-demo.cxgenie.ai/api/v2/public-api). The workspace token goes in the CXGENIE_WORKSPACE_TOKEN environment variable.',
    );
  }
}

/**
 * A path with a newline or another control character is never meant, and printed where a line
 * means something (the Action's `$GITHUB_OUTPUT`, a CI log) it would add lines of its own.
 */
function refuseControlCharacters(
  value: string,
  key: string,
  display: string,
  text: string | undefined,
  keyPath: string[] = [key],
): void {
  const at = value.search(/[\u0000-\u001f\u007f-\u009f]/);
  if (at === -1) return;
  const where = text ? locate(text, keyPath) : undefined;
  const code = value.charCodeAt(at).toString(16).padStart(4, '0');
  throw new ConfigError(
    `${display}${where ? `:${where.line}:${where.column}` : ''} "${key}" must not hold control characters (U+${code.toUpperCase()} at character ${at + 1}).`,
    'Give a plain path, relative to the config file.',
  );
}

/** A URL that may not parse, as it can be shown: no user info, nothing from a `?` or `#` on. */
function hideUserinfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@').replace(/[?#].*$/s, '?…');
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Two targets must not share a state file or a state ref (each has its own lock and scope). */
function checkDistinct(targets: readonly ResolvedConfig[], display: string): void {
  const files = new Map<string, string>();
  const refs = new Map<string, string>();
  for (const t of targets) {
    const name = t.target as string;
    const f = files.get(t.stateFile);
    if (f !== undefined)
      throw new ConfigError(
        `${display}: targets "${f}" and "${name}" use the same state file ${t.stateFile}.`,
        'Give each target its own "stateFile" (or leave it out: each target then gets state.NAME.db).',
      );
    files.set(t.stateFile, name);
    const ref = t.gitState.ref;
    if (t.gitState.enabled && ref !== undefined) {
      const r = refs.get(ref);
      if (r !== undefined)
        throw new ConfigError(
          `${display}: targets "${r}" and "${name}" use the same state ref ${ref}.`,
          'Put {target} in "gitState.ref" (the default with targets is refs/kb-sync/state/{bot}.{target}).',
        );
      refs.set(ref, name);
    }
  }
}

function resolveGitState(
  g: ParsedConfig['gitState'],
  botId: string | undefined,
  target: string | undefined,
  display: string,
): ResolvedGitState {
  const refTemplate = g.ref ?? DEFAULT_STATE_REF;
  const where = target ? `target "${target}": ` : '';
  const unknown = /\{(?!bot\}|target\})[^}]*\}/.exec(refTemplate);
  if (unknown)
    throw new ConfigError(
      `${display}: ${where}"gitState.ref" has an unknown placeholder ${unknown[0]} (known: {bot}, {target}).`,
    );
  if (!target && refTemplate.includes('{target}'))
    throw new ConfigError(`${display}: "gitState.ref" uses {target}, but the configuration has no targets.`);
  let ref: string | undefined;
  if (botId !== undefined) {
    ref = refTemplate.replaceAll('{bot}', refComponent(botId)).replaceAll('{target}', target ?? '');
    const problem = refNameProblem(ref);
    if (problem)
      throw new ConfigError(
        `${display}: ${where}"gitState.ref" gives ${JSON.stringify(ref)}, which ${problem}.`,
        'Use a ref under refs/ that is not a branch or tag, for example refs/kb-sync/state/{bot}.',
      );
  }
  return { enabled: g.enabled, remote: g.remote, ref, refTemplate, lockTimeoutSeconds: g.lockTimeoutSeconds };
}

/** A bot id as one path component of a ref name. */
export function refComponent(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return safe === '' ? '_' : safe;
}

/** Why `name` cannot be a state ref (git's ref-name rules, and not a branch or tag), or undefined. */
export function refNameProblem(name: string): string | undefined {
  if (!name.startsWith('refs/')) return 'does not start with refs/';
  if (/^refs\/(heads|tags|remotes)\//.test(name)) return 'is a branch, tag or remote-tracking ref';
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'has a character git does not allow in ref names';
  if (name.includes('..') || name.includes('@{') || name.includes('//') || name.endsWith('/') || name.endsWith('.'))
    return 'is not a valid ref name';
  if (name.split('/').some((c) => c === '' || c.startsWith('.') || c.endsWith('.lock')))
    return 'is not a valid ref name';
  return undefined;
}

/** Keys that look like a credential are refused, at the top level and in each target. */
function refuseCredentialKeys(raw: unknown, display: string): void {
  const check = (o: unknown, where: string, allowed: readonly string[]) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
    for (const k of Object.keys(o)) {
      if (allowed.includes(k)) continue;
      if (TOKEN_KEYS.includes(k) || /token|secret|password/i.test(k)) {
        throw new ConfigError(
          `${display}: "${where}${k}" looks like a credential; the workspace token must not be written in the config file (it is committed to git).`,
          where
            ? 'Remove it, and name the environment variable that holds the token in the target\'s "tokenEnv" (in CI, set it from a secret).'
            : 'Remove it from the file and set the CXGENIE_WORKSPACE_TOKEN environment variable instead (in CI, from a secret).',
        );
      }
    }
  };
  check(raw, '', []);
  const targets = (raw as { targets?: unknown } | null)?.targets;
  if (Array.isArray(targets)) for (const [i, t] of targets.entries()) check(t, `targets[${i}].`, ['tokenEnv']);
}

/**
 * The configurations to run: every target (in the file's order) or those `names` select; for a
 * configuration without targets, itself. An unknown name is an error that lists the known ones.
 */
export function selectTargets(cfg: ResolvedConfig, names: readonly string[] = []): ResolvedConfig[] {
  if (cfg.targets.length === 0) {
    if (names.length > 0)
      throw new ConfigError(
        `--target ${names[0]}: ${cfg.configFile ? path.basename(cfg.configFile) : 'the configuration'} has no "targets".`,
        'Add "targets" to the configuration (see docs/targets.md), or leave out --target.',
      );
    return [cfg];
  }
  if (names.length === 0) return cfg.targets;
  const known = new Map(cfg.targets.map((t) => [(t.target as string).toLowerCase(), t]));
  for (const n of names) {
    if (!known.has(n.toLowerCase()))
      throw new ConfigError(`--target ${n}: no such target (known: ${cfg.targets.map((t) => t.target).join(', ')}).`);
  }
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return cfg.targets.filter((t) => wanted.has((t.target as string).toLowerCase()));
}

/** The workspace token, only ever from the environment (`CXGENIE_WORKSPACE_TOKEN`, or a target's `tokenEnv`). */
export function readToken(
  env: NodeJS.ProcessEnv = process.env,
  from: Pick<ResolvedConfig, 'tokenEnv'> = { tokenEnv: DEFAULT_TOKEN_ENV },
): string | undefined {
  const t = env[from.tokenEnv]?.trim();
  return t ? t : undefined;
}

export function requireBotId(cfg: ResolvedConfig): string {
  if (!cfg.botId) {
    if (cfg.target !== undefined && cfg.sources.botIdEnv) {
      throw new ConfigError(
        `Target "${cfg.target}": no bot id: its "botIdEnv" variable ${cfg.sources.botIdEnv} is not set.`,
        `Set ${cfg.sources.botIdEnv} to the bot's id (the "aid" parameter of its launch URL), or run the other targets with --target.`,
      );
    }
    if (cfg.targets.length > 0)
      throw new ConfigError('This configuration has targets: run each one (the default), or pick some with --target.');
    throw new ConfigError(
      'No bot id: set "botId" in sync.config.json or the CXGENIE_BOT_ID environment variable.',
      'The bot id is the "aid" parameter of the bot\'s launch URL (https://chat.cxgenie.ai?aid=<bot_id>).',
    );
  }
  return cfg.botId;
}

export function requireToken(
  env: NodeJS.ProcessEnv = process.env,
  from: Pick<ResolvedConfig, 'tokenEnv' | 'target'> = { tokenEnv: DEFAULT_TOKEN_ENV, target: undefined },
): string {
  const t = readToken(env, from);
  if (!t) {
    if (from.tokenEnv !== DEFAULT_TOKEN_ENV)
      throw new ConfigError(
        `Target "${from.target ?? ''}": no workspace token: set the ${from.tokenEnv} environment variable (its "tokenEnv").`,
        "Copy it from the general settings of the target's workspace in CX Genie. In CI, pass it from a secret.",
      );
    throw new ConfigError(
      'No workspace token: set the CXGENIE_WORKSPACE_TOKEN environment variable.',
      'Copy it from the workspace general settings in CX Genie. In CI, pass it from a secret. To try kb-sync without an account, run `kb-sync emulator` and use the token it prints.',
    );
  }
  return t;
}

function readConfigText(file: string, required: boolean): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    if (code === 'ENOENT')
      throw new ConfigError(
        `Config file not found: ${file}`,
        'Pass --config PATH, or create sync.config.json (see the README).',
      );
    if (code === 'EISDIR') throw new ConfigError(`Config path is a folder, not a file: ${file}`);
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
}

function parseJson(text: string, display: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const msg = (err as Error).message;
    // V8 gives a position for some errors only ("Unexpected token 'x', "<the text>" is not valid
    // JSON" has none, and quotes the file, which must not be echoed): find the offset ourselves.
    const m = /position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : jsonErrorOffset(body);
    let where = display;
    if (offset !== undefined) {
      const { line, column } = lineColAt(body, offset);
      where += `:${line}:${column}`;
    }
    const reason = msg.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new ConfigError(`${where} is not valid JSON: ${reason}`);
  }
}

const JSON_SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Offset of the first syntax error in a JSON text, or undefined when it finds none (iterative: no recursion). */
export function jsonErrorOffset(s: string): number | undefined {
  const n = s.length;
  let i = 0;
  const stack: string[] = [];
  const ws = () => {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  /** At a '"': skip the string; false (with `i` at the fault) when it is broken. */
  const str = (): boolean => {
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 5;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 1;
        else return false;
      }
    }
    return false;
  };
  /** A key and its colon, at the start of an object member. */
  const key = (): boolean => {
    ws();
    if (s[i] !== '"' || !str()) return false;
    ws();
    if (s[i] !== ':') return false;
    i++;
    return true;
  };
  for (;;) {
    // A value.
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      i++;
      ws();
      if (s[i] === (c === '{' ? '}' : ']')) i++;
      else {
        stack.push(c);
        if (c === '{' && !key()) return i;
        continue;
      }
    } else if (c === '"') {
      if (!str()) return i;
    } else {
      JSON_SCALAR.lastIndex = i;
      if (!JSON_SCALAR.test(s)) return i;
      i = JSON_SCALAR.lastIndex;
    }
    // After a value: a comma, a closing bracket, or the end.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? i : undefined;
      if (s[i] === ',') {
        i++;
        if (top === '{' && !key()) return i;
        break;
      }
      if (s[i] === (top === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        continue;
      }
      return i;
    }
  }
}

function formatIssue(issue: z.core.$ZodIssue, display: string, text: string | undefined): string {
  const keyPath = issue.path.map(String).join('.');
  const where = text ? locate(text, issue.path.map(String)) : undefined;
  const prefix = `${display}${where ? `:${where.line}:${where.column}` : ''}`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(issue.path.map(String));
      return issue.keys
        .map((k) => {
          const full = keyPath ? `${keyPath}.${k}` : k;
          const loc = text ? locate(text, [...issue.path.map(String), k]) : undefined;
          return `${display}${loc ? `:${loc.line}:${loc.column}` : ''} unknown key "${full}"${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`;
        })
        .join('\n  ');
    }
    case 'invalid_type':
      return keyPath === ''
        ? `${prefix} the configuration must be ${article(issue.expected)} of settings`
        : `${prefix} "${keyPath}" must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `${prefix} "${keyPath}" must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${prefix} "${keyPath}" must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'too_big':
      return `${prefix} "${keyPath}" must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    default:
      return `${prefix} "${keyPath || '(root)'}" ${issue.message}`;
  }
}

function article(t: string): string {
  if (t === 'int') return 'a whole number';
  if (t === 'object') return 'an object';
  if (t === 'array') return 'a list';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function unwrapOnce(n: { _zod?: { def?: { innerType?: unknown } } }): never {
  return n._zod?.def?.innerType as never;
}

function allowedKeys(p: string[]): string[] | undefined {
  // Walk the schema down the path, through defaults, optionals and lists, to the object's shape.
  type Node = { _zod?: { def?: { innerType?: unknown; element?: unknown; shape?: Record<string, unknown> } } };
  const unwrap = (n: unknown): Node => {
    let cur = n as Node;
    for (let i = 0; i < 5 && cur?._zod?.def?.innerType; i++) cur = unwrapOnce(cur);
    return cur;
  };
  let node = unwrap(configSchema);
  for (const k of p) {
    const def = node._zod?.def;
    if (/^\d+$/.test(k) && def?.element) {
      node = unwrap(def.element);
      continue;
    }
    if (!def?.shape || !(k in def.shape)) return undefined;
    node = unwrap(def.shape[k]);
  }
  const shape = node._zod?.def?.shape;
  return shape ? Object.keys(shape).filter((k) => k !== '$schema') : undefined;
}

/** Line and column of the key at `keyPath` in a JSON text (best effort; undefined if not found). */
function locate(text: string, keyPath: string[]): { line: number; column: number } | undefined {
  // A small scan: find each key in turn after the previous one's position; an index skips to
  // that element of the list that follows.
  let from = 0;
  let at = -1;
  for (const k of keyPath) {
    if (/^\d+$/.test(k)) {
      const el = elementStart(text, from, Number(k));
      if (el === undefined) return at >= 0 ? lineColAt(text, at) : undefined;
      at = el;
      from = el;
      continue;
    }
    const re = new RegExp(`"${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m) return at >= 0 ? lineColAt(text, at) : undefined;
    at = m.index;
    from = m.index + m[0].length;
  }
  return at >= 0 ? lineColAt(text, at) : undefined;
}

/** Offset of element `index` of the JSON list starting at (or after whitespace from) `from`. */
function elementStart(text: string, from: number, index: number): number | undefined {
  let i = from;
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  if (text[i] !== '[') return undefined;
  i++;
  let depth = 0;
  let n = 0;
  let start: number | undefined;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (start === undefined && !/\s/.test(c)) {
      if (c === ']') return undefined;
      start = i;
      if (n === index) return start;
    }
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return undefined;
      depth--;
    } else if (c === ',' && depth === 0) {
      n++;
      start = undefined;
    }
  }
  return undefined;
}
