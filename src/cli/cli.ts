/**
 * The command line. Commands are registered here with their options only; each one's code is
 * imported when it runs. (`main.ts` loads this module only when yargs is needed at all.)
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { execute } from './execute.js';
import { exitNow } from './exit.js';
import { printFailure, wantsJson } from './failure.js';
import { ConfigError, ExitCode } from '../errors.js';
import type { CommandTraits } from './targets.js';
import { VERSION } from './version.js';

const EPILOGUE = [
  'Exit codes: 0 done · 1 some items or files failed · 2 usage, configuration, state or authentication error ·',
  '3 another run holds the lock · 4 refused for safety · 70 internal error (a bug) ·',
  '130/143 stopped by Ctrl-C/SIGTERM (any command, watch included). Details: docs/syncing.md#exit-codes',
  'Environment: CXGENIE_WORKSPACE_TOKEN (the token; never in the config file), CXGENIE_BOT_ID, CXGENIE_API_URL.',
].join('\n');

type Cmd = (argv: Record<string, unknown>) => Promise<number>;
type Traits = CommandTraits | ((argv: Record<string, unknown>) => CommandTraits);

/** A command that reads the configuration: run for each target (src/cli/targets.ts). */
const lazy =
  (load: () => Promise<{ run: Cmd }>, traits: Traits = {}) =>
  async (argv: Record<string, unknown>) => {
    await execute(argv, async () => {
      const { run } = await load();
      const { runForTargets } = await import('./targets.js');
      return runForTargets(argv, () => run(argv), typeof traits === 'function' ? traits(argv) : traits);
    });
  };

/** A command that reads no configuration (`emulator`, `demo`): it takes no --target. */
const lazyNoConfig = (load: () => Promise<{ run: Cmd }>) => async (argv: Record<string, unknown>) => {
  await execute(argv, async () => {
    if (argv.target !== undefined)
      throw new ConfigError(`--target does not apply to \`kb-sync ${String((argv._ as unknown[])[0])}\`.`);
    return (await load()).run(argv);
  });
};

const syncOptions = (y: Argv) =>
  y
    .option('dry-run', { type: 'boolean', describe: 'Print the plan; push nothing, change no state, need no token' })
    .option('wait', {
      type: 'string',
      describe: 'If another run holds the state lock, wait for it (for SECONDS, or without limit) instead of exiting 3',
      coerce: (v: unknown) =>
        v === undefined ? undefined : v === '' || v === true || v === 'true' ? Infinity : Number(v),
    })
    .option('allow-initial', { type: 'boolean', describe: 'In CI, allow a first sync of this bot from an empty state' })
    .option('allow-empty', { type: 'boolean', describe: 'Allow a scan that finds no files to mark every item stale' });

/** The program's name, usage line and the options every command takes. */
function globalOptions(y: Argv): Argv {
  return y
    .scriptName('kb-sync')
    .usage(
      "$0 <command> [options]\n\nKeep a folder of Markdown, Q&A, URL lists and documents in sync with a CX Genie bot's training data.",
    )
    .option('config', {
      alias: 'c',
      type: 'string',
      describe: 'Path to sync.config.json (default: ./sync.config.json)',
      global: true,
    })
    .option('json', {
      type: 'boolean',
      describe: 'Print one JSON document on stdout (human output goes to stderr)',
      global: true,
    })
    .option('verbose', {
      alias: 'v',
      type: 'boolean',
      describe: 'Say more: every item, ignored files, retries',
      global: true,
    })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print only errors and the final line', global: true })
    .option('target', {
      alias: 't',
      type: 'string',
      array: true,
      describe: 'Run only this target of the configuration (repeatable; default: every target)',
      global: true,
    })
    .option('git-state', {
      type: 'boolean',
      describe:
        "Keep the state in git under refs/kb-sync/state/… (--no-git-state: not), whatever the config's gitState says",
      global: true,
    });
}

/** The pipeline: sync, plan, status, doctor, forget, watch, adopt, state. */
function pipelineCommands(y: Argv): Argv {
  return y
    .command(
      'sync',
      'Push what changed in the knowledge folder to the bot',
      syncOptions,
      lazy(() => import('./commands/sync.js'), { claims: true }),
    )
    .command(
      'plan',
      'Show what `sync` would do (same as `sync --dry-run`)',
      (y) => y,
      lazy(() => import('./commands/sync.js'), { claims: true }),
    )
    .command(
      'status',
      'Show what the state holds: counts, last runs, stale and uncertain items',
      (y) => y,
      lazy(() => import('./commands/status.js')),
    )
    .command(
      'doctor',
      'Check that everything sync needs is in place: config, folder, API, token, bot, reply shapes, state (creates nothing)',
      (y) =>
        y
          .option('chat', {
            type: 'string',
            describe: 'Also send this one real message to the bot and show its reply (this creates a conversation)',
          })
          .option('bot-url', {
            type: 'string',
            describe: "The bot's launch URL (…?aid=ID): checked against the bot id and the API's environment",
          }),
      lazy(() => import('./commands/doctor.js'), { reportsConfig: true }),
    )
    .command(
      'forget [ids..]',
      'Forget stale items (after removing them in the dashboard) or clear the uncertain list',
      (y) =>
        y
          .positional('ids', {
            type: 'string',
            array: true,
            describe: 'Remote ids (or #numbers from `status`) of stale items',
          })
          .option('all-stale', { type: 'boolean', describe: 'Forget every stale item' })
          .option('uncertain', { type: 'boolean', describe: 'Clear the "possibly created twice" list' }),
      lazy(() => import('./commands/forget.js')),
    )
    .command(
      'watch',
      'Sync on every change: an initial sync, then batches of changes',
      (y) =>
        y
          .option('debounce', {
            type: 'number',
            describe: 'Quiet time in ms before a batch is synced (default: watch.debounceMs, 500)',
          })
          .option('allow-initial', {
            type: 'boolean',
            describe: 'In CI, allow a first sync of this bot from an empty state',
          }),
      lazy(() => import('./commands/watch.js'), { claims: true, single: 'watch' }),
    )
    .command(
      'adopt',
      'Record the folder as already in the bot, pushing nothing (for a bot trained by hand or a lost state)',
      (y) =>
        y.option('yes', { type: 'boolean', describe: 'Do it (without it, adopt only shows what it would record)' }),
      lazy(() => import('./commands/adopt.js'), { claims: true }),
    )
    .command(
      'state <action> [file]',
      'Export or import a portable JSON snapshot of the state (or print its path)',
      (y) =>
        y
          .positional('action', {
            choices: ['export', 'import', 'path'] as const,
            describe: "export: write a snapshot; import: load one; path: print the state file's path",
          })
          .positional('file', {
            type: 'string',
            describe: 'Snapshot file (export: default stdout; import: required)',
          })
          .option('force', {
            type: 'boolean',
            describe: 'import: replace a state that already has items for this bot',
          }),
      lazy(
        () => import('./commands/state.js'),
        (argv) => ({ plain: argv.action === 'path' }),
      ),
    );
}

/** The local emulator. */
function emulatorCommand(y: Argv): Argv {
  return y.command(
    'emulator',
    'Run a local CX Genie API emulator (for trying kb-sync without an account, and for tests)',
    (y) =>
      y
        .option('port', { type: 'number', default: 4010, describe: 'Port (0 picks a free one)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
        .option('token', {
          type: 'string',
          describe: 'Workspace token it accepts (default: emulator-workspace-token)',
        })
        .option('bot', { type: 'string', describe: 'Bot id it knows (default: demo-bot)' })
        .option('seed', { type: 'number', describe: 'Seed of the sample customers and conversations' })
        .option('customers', { type: 'number', describe: 'How many sample customers (default 60)' })
        .option('faults', {
          type: 'string',
          describe: 'Fault switches: a JSON file or inline JSON (see docs/emulator.md)',
        })
        .option('rate-limit', { type: 'number', describe: 'Requests per second before 429' })
        .option('error-rate', { type: 'number', describe: 'Probability of a 500' })
        .option('loss-rate', {
          type: 'number',
          describe: 'Probability of a lost response (processed, then the connection drops)',
        })
        .option('latency', { type: 'string', describe: 'Added latency in ms: N or MIN-MAX' })
        .option('reply-mode', {
          type: 'string',
          choices: ['exact', 'paraphrase', 'negated', 'wrong-number', 'unknown', 'wrong'] as const,
          describe: 'How the bot words answers: exact (default), paraphrase, or wrong on purpose',
        })
        .option('reading', {
          type: 'string',
          array: true,
          describe:
            'Play one reading of an ambiguity in the vendor document, NAME=VALUE (repeatable; see docs/api-readings.md), e.g. total=remaining',
        })
        .option('readings', { type: 'string', describe: 'Reading switches: a JSON file or inline JSON' })
        .option('log', { type: 'boolean', describe: 'Print one line per request' }),
    lazyNoConfig(() => import('./commands/emulator.js')),
  );
}

/** Closing the loop: chat, customers, conversations, conversation, eval, harvest. */
function loopCommands(y: Argv): Argv {
  return y
    .command(
      'chat [message]',
      'Send one message to the bot (POST /messages) and print its reply',
      (y) =>
        y
          .positional('message', { type: 'string', describe: 'What the customer says' })
          .option('customer-name', {
            type: 'string',
            describe: 'customer_info.name (without customer info the chat is anonymous)',
          })
          .option('email', { type: 'string', describe: 'customer_info.email' })
          .option('phone', { type: 'string', describe: 'customer_info.phone_number' })
          .option('external-id', { type: 'string', describe: 'customer_info.external_id' })
          .option('attach', { type: 'string', describe: 'Upload FILE first and send it as media (repeatable)' })
          .option('metadata', { type: 'string', describe: "The message's metadata: a JSON object" }),
      lazy(() => import('./commands/chat.js')),
    )
    .command(
      'customers',
      "List the bot's customers, every page (newest first)",
      (y) =>
        y
          .option('search', { type: 'string', describe: 'Match name, e-mail or phone' })
          .option('type', { type: 'string', describe: 'lead (no e-mail or no phone) or users (both); repeatable' })
          .option('testing', { type: 'boolean', describe: 'Only test customers (--no-testing: none)' })
          .option('limit', { type: 'number', describe: 'Stop after N customers' })
          .option('ndjson', { type: 'boolean', describe: 'One JSON customer per line, as the pages arrive' }),
      lazy(() => import('./commands/customers.js')),
    )
    .command(
      'conversations <customer>',
      "List a customer's conversations, every page (newest first)",
      (y) =>
        y
          .positional('customer', { type: 'string', describe: 'Customer id (from `kb-sync customers`)' })
          .option('status', { type: 'string', describe: 'OPEN or CLOSED; repeatable' })
          .option('reply-status', { type: 'string', describe: 'UNREAD_ONLY, READ_ONLY or REPLIED_ONLY; repeatable' })
          .option('since', {
            type: 'string',
            describe: 'Started on or after: a day (2026-10-01), an ISO time, or Nd (days ago)',
          })
          .option('until', { type: 'string', describe: 'Started on or before (a day counts to its end)' })
          .option('ndjson', { type: 'boolean', describe: 'One JSON conversation per line' }),
      lazy(() => import('./commands/conversations.js')),
    )
    .command(
      'conversation <session>',
      "Print a conversation's transcript, every page of it",
      (y) =>
        y
          .positional('session', { type: 'string', describe: 'Session id (from `kb-sync conversations`)' })
          .option('customer', { type: 'string', describe: "The conversation's customer id (required by the API)" })
          .option('order', {
            type: 'string',
            choices: ['asc', 'desc'] as const,
            describe: 'asc: oldest first (default); desc: newest first',
          })
          .option('system', {
            type: 'boolean',
            describe: 'Include system messages (default); --no-system leaves them out',
          })
          .option('ndjson', { type: 'boolean', describe: 'One JSON message per line' }),
      lazy(() => import('./commands/conversation.js')),
    )
    .command(
      'eval',
      'Ask the bot every Q&A question (or --file evals.yaml) and score its replies',
      (y) =>
        y
          .option('file', {
            type: 'string',
            describe: 'Cases to ask: a list of {question, expect?, must_include?, id?}',
          })
          .option('threshold', {
            type: 'string',
            describe: 'Pass rate below which the exit code is 1: 0–1 or a percentage (default 100%)',
          })
          .option('sample', { type: 'number', describe: 'Ask only a fixed, deterministic sample of N cases' })
          .option('judge', {
            type: 'boolean',
            describe:
              'Also ask an OpenAI-compatible model for a verdict (KB_SYNC_JUDGE_URL, KB_SYNC_JUDGE_MODEL, KB_SYNC_JUDGE_KEY)',
          }),
      lazy(() => import('./commands/eval.js')),
    )
    .command(
      'harvest',
      'Collect the questions the bot could not answer into knowledge/inbox/ as draft Q&A entries',
      (y) =>
        y
          .option('since', {
            type: 'string',
            describe: 'Conversations started on or after (default: 30 days before --until): a day, an ISO time, or Nd',
          })
          .option('until', {
            type: 'string',
            describe: 'Conversations started on or before (default: today, UTC); names the file',
          })
          .option('min-count', { type: 'number', describe: 'Keep only questions asked at least N times (default 1)' })
          .option('out', {
            type: 'string',
            describe: 'Write here instead of knowledge/inbox/harvest-YYYY-MM-DD.qa.yaml (never overwritten)',
          }),
      lazy(() => import('./commands/harvest.js')),
    );
}

export function buildCli(argv: string[]): Argv {
  const base = globalOptions(yargs(argv));
  return (
    loopCommands(emulatorCommand(pipelineCommands(base)))
      .command(
        'demo',
        'Try it: sync knowledge/ into an in-process emulator, ask the bot, sync again',
        (y) => y,
        lazyNoConfig(() => import('./commands/demo.js')),
      )
      .demandCommand(1, 'Name a command (see kb-sync --help).')
      .recommendCommands()
      .strict()
      .help()
      .alias('h', 'help')
      .version(VERSION)
      .alias('V', 'version')
      .epilogue(EPILOGUE)
      // A fixed width: the help text is the same everywhere, and main.ts can print it from a cache.
      .wrap(100)
      .fail((msg, err) => {
        if (err) throw err;
        // A command line yargs refuses (unknown option, missing argument, a value not among the
        // choices): exit 2, and with --json the same error document as any other usage error.
        printFailure(
          { name: 'UsageError', message: msg, hint: 'Run "kb-sync --help" for usage.', exitCode: ExitCode.usage },
          { json: wantsJson(argv), secrets: [process.env.CXGENIE_WORKSPACE_TOKEN] },
        );
        exitNow(ExitCode.usage);
      })
  );
}

export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  const cli = buildCli(argv);
  skipHelpCache(cli);
  await cli.parseAsync();
}

interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders a command's whole help text before it runs the command, to have it ready should
 * the command fail and ask for it. kb-sync's commands never do (failures print their own message
 * and hint), and the rendering (text widths, one character at a time) was a quarter of a no-op
 * sync's time. This turns it off through yargs' internal methods; true when it could (a test
 * checks it can, so that a yargs upgrade that moves them is noticed). `--help` is unaffected.
 */
export function skipHelpCache(cli: Argv): boolean {
  const usage = (cli as unknown as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => undefined;
  return true;
}
