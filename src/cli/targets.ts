import { loadConfig, selectTargets, type ResolvedConfig } from '../config/load.js';
import { ConfigError, KbSyncError } from '../errors.js';
import { writeGithubOutputs } from '../report/github.js';
import { hideEnvFromGit } from '../state/remote/git.js';
import { checkDoubleClaims } from './claims.js';
import { exitCodeForError, worstExitCode } from './exit.js';
import { listOption } from './options.js';
import { Output } from './output.js';

/**
 * A command over the configured targets. A configuration without targets runs the command once,
 * as it always did. With targets, the command runs for each selected target (`--target`, or
 * every one) one after the other, each with its own configuration — so its own state file, lock,
 * bot and token — under a heading; an error in one is reported and the next one runs; the
 * `--json` documents become one document with a section per target; the exit code is the worst.
 */

export interface CommandTraits {
  /** Check that no file is claimed by two targets of one bot (commands that scan the folder). */
  claims?: boolean;
  /** The command runs one target only (`watch`). */
  single?: string;
  /** No headings or closing line (machine output: `state path`). */
  plain?: boolean;
  /** The command reports a configuration that does not load as one of its own findings (`doctor`). */
  reportsConfig?: boolean;
}

export interface Current {
  out: Output;
  cfg: ResolvedConfig;
}

let current: Current | undefined;

/** The output and configuration of the target being run (loadContext returns them). */
export function currentTarget(): Current | undefined {
  return current;
}

/** A new Output for the command line's flags, with the default token registered for redaction. */
export function outputFor(argv: Record<string, unknown>): Output {
  const out = new Output({ json: Boolean(argv.json), quiet: Boolean(argv.quiet), verbose: Boolean(argv.verbose) });
  out.addSecret(process.env.CXGENIE_WORKSPACE_TOKEN);
  return out;
}

/** `--git-state` / `--no-git-state` override the configuration, for every target. */
function applyGitStateFlag(cfg: ResolvedConfig, flag: unknown): void {
  if (typeof flag !== 'boolean') return;
  for (const c of [cfg, ...cfg.targets]) c.gitState = { ...c.gitState, enabled: flag };
}

interface Section {
  target: string;
  botId: string | null;
  exitCode: number;
  result: unknown;
  error?: { message: string; hint: string | null; exitCode: number };
}

export async function runForTargets(
  argv: Record<string, unknown>,
  fn: () => Promise<number>,
  traits: CommandTraits = {},
): Promise<number> {
  const out = outputFor(argv);
  let top: ResolvedConfig;
  try {
    top = loadConfig({ configPath: argv.config as string | undefined });
  } catch (err) {
    // doctor says what is wrong with the configuration in its checklist, in its own format.
    if (traits.reportsConfig && err instanceof ConfigError) return fn();
    throw err;
  }
  applyGitStateFlag(top, argv.gitState);
  const selected = selectTargets(top, listOption(argv.target));
  if (top.targets.length === 0) {
    current = { out, cfg: top };
    try {
      return await fn();
    } finally {
      current = undefined;
    }
  }
  if (traits.single && selected.length > 1)
    throw new ConfigError(
      `\`kb-sync ${traits.single}\` runs one target at a time: name it with --target (one of ${selected.map((t) => t.target).join(', ')}).`,
    );
  for (const t of top.targets) {
    out.addSecret(process.env[t.tokenEnv]);
    hideEnvFromGit(t.tokenEnv);
  }
  if (traits.claims) checkDoubleClaims(top.targets);
  const sections: Section[] = [];
  const sums: Record<string, number> = {};
  const perTarget: Record<string, unknown> = {};
  for (const t of selected) {
    const name = t.target as string;
    if (!traits.plain) out.final(out.c.bold(`── target ${name} · bot ${t.botId ?? '(not set)'} ──`));
    out.section = { target: name, botId: t.botId ?? null, documents: [] };
    current = { out, cfg: t };
    let exitCode: number;
    let error: Section['error'];
    try {
      exitCode = await fn();
    } catch (err) {
      exitCode = exitCodeForError(err);
      error = reportError(out, err, exitCode, Boolean(argv.verbose));
    } finally {
      current = undefined;
    }
    const section = out.section;
    out.section = undefined;
    const docs = section.documents;
    sections.push({
      target: name,
      botId: t.botId ?? null,
      exitCode,
      result: docs.length === 0 ? null : docs.length === 1 ? docs[0] : docs,
      ...(error ? { error } : {}),
    });
    if (section.outputs) {
      for (const [k, v] of Object.entries(section.outputs)) if (k !== 'exit-code') sums[k] = (sums[k] ?? 0) + v;
      perTarget[name] = { ...section.outputs, 'exit-code': exitCode };
    }
    // An interruption stops the targets not yet run.
    if (exitCode === 130 || exitCode === 143) break;
  }
  const exitCode = worstExitCode(sections.map((s) => s.exitCode));
  if (out.json) out.document({ targets: sections, exitCode });
  if (out.github && Object.keys(perTarget).length > 0)
    writeGithubOutputs({ ...sums, 'exit-code': exitCode, 'targets-json': JSON.stringify(perTarget) });
  if (sections.length > 1 && !traits.plain)
    out.final(
      `Targets: ${sections.map((s) => `${s.target} ${s.exitCode === 0 ? out.c.green('ok') : out.c.red(`exit ${s.exitCode}`)}`).join(' · ')}`,
    );
  return exitCode;
}

/** What execute() prints for an error, for one target; the section's `error` for --json. */
function reportError(out: Output, err: unknown, exitCode: number, verbose: boolean): Section['error'] {
  if (err instanceof KbSyncError) {
    out.error(`kb-sync: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
    return { message: out.redact(err.message), hint: err.hint ? out.redact(err.hint) : null, exitCode };
  }
  const e = err as Error;
  const text = verbose ? (e.stack ?? String(e)) : `${e.name}: ${e.message}`;
  out.error(`kb-sync: internal error: ${text}\n  This is a bug; please report it with the output of --verbose.`);
  return { message: out.redact(`internal error: ${e.message}`), hint: null, exitCode };
}
