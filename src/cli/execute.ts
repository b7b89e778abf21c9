import { KbSyncError } from '../errors.js';
import { exitCodeForError } from './exit.js';
import { failureOf, printFailure } from './failure.js';

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
      printFailure(failureOf(err, exitCode), { json: Boolean(argv.json), secrets });
      process.exitCode = exitCode;
      return;
    }
    const e = err as Error;
    const text = argv.verbose ? (e.stack ?? String(e)) : `${e.name}: ${e.message}`;
    printFailure(
      {
        name: 'InternalError',
        message: `internal error: ${text}`,
        hint: 'This is a bug; please report it with the output of --verbose.',
        exitCode,
      },
      { json: Boolean(argv.json), secrets },
    );
    process.exitCode = exitCode;
  }
}
