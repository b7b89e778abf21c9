import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, TOKEN_KEYS, type ParsedConfig } from './schema.js';
import { lineColAt } from '../util/lines.js';

/** The configuration a run uses: validated, defaults filled, paths absolute, env applied. No token. */
export interface ResolvedConfig extends Omit<ParsedConfig, '$schema' | 'botId'> {
  /** Absolute path of the config file, when one was read. */
  configFile: string | undefined;
  /** The folder relative paths resolve against. */
  baseDir: string;
  botId: string | undefined;
  /** Absolute. */
  knowledgeDir: string;
  /** Absolute. */
  stateFile: string;
  /** Where each overridable setting came from, for `--verbose`. */
  sources: { apiBaseUrl: 'file' | 'env' | 'default'; botId: 'file' | 'env' | 'none' };
}

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
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const k of Object.keys(raw)) {
      if (TOKEN_KEYS.includes(k) || /token|secret|password/i.test(k)) {
        throw new ConfigError(
          `${display}: "${k}" looks like a credential; the workspace token must not be written in the config file (it is committed to git).`,
          'Remove it from the file and set the CXGENIE_WORKSPACE_TOKEN environment variable instead (in CI, from a secret).',
        );
      }
    }
  }
  const result = configSchema.safeParse(raw);
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
  if (envBot) {
    botId = envBot;
    botSource = 'env';
  }
  const { $schema: _schema, ...rest } = cfg;
  return {
    ...rest,
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    botId,
    configFile: ctx.file,
    baseDir,
    knowledgeDir: path.resolve(baseDir, cfg.knowledgeDir),
    stateFile: path.resolve(baseDir, cfg.stateFile),
    sources: { apiBaseUrl: apiSource, botId: botSource },
  };
}

/**
 * A user name or password in the API URL would go to every server on the way and into logs, and
 * `fetch` refuses such a URL anyway: a configuration error, said without repeating them.
 */
function refuseCredentials(url: string, where: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  if (u.username === '' && u.password === '') return;
  throw new ConfigError(
    `${where}: the API base URL must not hold a user name or password (${u.protocol}//***@${u.host}${u.pathname}).`,
    'Remove the "user:password@" part. The workspace token goes in the CXGENIE_WORKSPACE_TOKEN environment variable.',
  );
}

function hideUserinfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** The workspace token, only ever from the environment. */
export function readToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = env.CXGENIE_WORKSPACE_TOKEN?.trim();
  return t ? t : undefined;
}

export function requireBotId(cfg: ResolvedConfig): string {
  if (!cfg.botId) {
    throw new ConfigError(
      'No bot id: set "botId" in sync.config.json or the CXGENIE_BOT_ID environment variable.',
      'The bot id is the "aid" parameter of the bot\'s launch URL (https://chat.cxgenie.ai?aid=<bot_id>).',
    );
  }
  return cfg.botId;
}

export function requireToken(env: NodeJS.ProcessEnv = process.env): string {
  const t = readToken(env);
  if (!t) {
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

function allowedKeys(p: string[]): string[] | undefined {
  // Walk the schema down the path, through defaults and optionals, to the object's shape.
  let node: unknown = configSchema;
  const unwrap = (n: unknown): unknown => {
    let cur = n as { _zod?: { def?: { innerType?: unknown; shape?: unknown } } };
    for (let i = 0; i < 5 && cur?._zod?.def?.innerType; i++) cur = cur._zod.def.innerType;
    return cur;
  };
  node = unwrap(node);
  for (const k of p) {
    const shape = (node as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
    if (!shape || !(k in shape)) return undefined;
    node = unwrap(shape[k]);
  }
  const shape = (node as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
  return shape ? Object.keys(shape).filter((k) => k !== '$schema') : undefined;
}

/** Line and column of the key at `keyPath` in a JSON text (best effort; undefined if not found). */
function locate(text: string, keyPath: string[]): { line: number; column: number } | undefined {
  // A small scan: find each key in turn after the previous one's position.
  let from = 0;
  let at = -1;
  for (const k of keyPath) {
    if (/^\d+$/.test(k)) continue;
    const re = new RegExp(`"${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m) return at >= 0 ? lineColAt(text, at) : undefined;
    at = m.index;
    from = m.index + m[0].length;
  }
  return at >= 0 ? lineColAt(text, at) : undefined;
}
