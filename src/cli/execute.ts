import { KbSyncError } from '../errors.js';
import { redactSecrets } from '../util/redact.js';
import { exitCodeForError } from './exit.js';

/**
 * Run a command: its exit code (from src/cli/exit.ts) becomes the process's; known errors become
 * a message with a hint, anything else an "internal error" (exit 70). Never prints the token.
 */
export async function execute(argv: Record<string, unknown>, fn: () => Promise<number>): Promise<void> {
  const secrets = [process.env.CXGENIE_WORKSPACE_TOKEN];
  try {
    const code = await fn();
    process.exitCode = code;
  } catch (err) {
    const exitCode = exitCodeForError(err);
    if (err instanceof KbSyncError) {
      let text = `kb-sync: ${err.message}`;
      if (err.hint) text += `\n  ${err.hint}`;
      process.stderr.write(`${redactSecrets(text, secrets)}\n`);
      if (argv.json) {
        process.stdout.write(
          `${redactSecrets(JSON.stringify({ ok: false, error: { name: err.name, message: err.message, hint: err.hint ?? null, exitCode } }, null, 2), secrets)}\n`,
        );
      }
      process.exitCode = exitCode;
      return;
    }
    const e = err as Error;
    const text = argv.verbose ? (e.stack ?? String(e)) : `${e.name}: ${e.message}`;
    process.stderr.write(
      `${redactSecrets(`kb-sync: internal error: ${text}\n  This is a bug; please report it with the output of --verbose.`, secrets)}\n`,
    );
    process.exitCode = exitCode;
  }
}
