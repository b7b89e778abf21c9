import { ApiError } from '../api/errors.js';
import { redactSecrets } from '../util/redact.js';
import { noWorkflowCommands, safeText, terminalSafe } from '../util/safe-text.js';

/**
 * How a command that ended without a result is reported: `kb-sync: MESSAGE` (and its hint) on
 * stderr, and with `--json` the document `{"ok": false, "error": {name, message, hint, exitCode}}`
 * on stdout. Shared by errors thrown by a command (execute.ts) and command lines yargs refuses
 * (cli.ts), so that both honour `--json` the same way.
 */

export interface Failure {
  name: string;
  message: string;
  hint: string | undefined;
  exitCode: number;
}

/** What a server said is untrusted: one line. Our own messages (a configuration's list of problems) keep their lines. */
export function failureOf(
  err: { name: string; message: string; hint?: string | undefined },
  exitCode: number,
): Failure {
  const message = err instanceof ApiError ? safeText(err.message) : err.message;
  return { name: err.name, message, hint: err.hint ?? undefined, exitCode };
}

export function printFailure(
  f: Failure,
  opts: { json: boolean; secrets: readonly (string | undefined)[]; env?: NodeJS.ProcessEnv },
): void {
  const env = opts.env ?? process.env;
  let text = `kb-sync: ${f.message}`;
  if (f.hint) text += `\n  ${f.hint}`;
  text = terminalSafe(redactSecrets(text, opts.secrets), false);
  if (env.GITHUB_ACTIONS === 'true') text = noWorkflowCommands(text);
  process.stderr.write(`${text}\n`);
  if (opts.json) {
    const doc = { ok: false, error: { name: f.name, message: f.message, hint: f.hint ?? null, exitCode: f.exitCode } };
    process.stdout.write(`${redactSecrets(JSON.stringify(doc, null, 2), opts.secrets)}\n`);
  }
}

/**
 * Whether a command line asks for `--json` (read before yargs has parsed it, for the errors
 * yargs reports): the last of `--json`, `--json=BOOL` and `--no-json` before `--` wins.
 */
export function wantsJson(args: readonly string[]): boolean {
  let json = false;
  for (const a of args) {
    if (a === '--') break;
    if (a === '--json') json = true;
    else if (a === '--no-json') json = false;
    else if (a.startsWith('--json=')) json = !/^(false|0|no|)$/i.test(a.slice('--json='.length));
  }
  return json;
}
