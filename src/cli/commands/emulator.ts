import fs from 'node:fs';
import { ConfigError } from '../../errors.js';
import { startEmulator } from '../../emulator/server.js';
import { validateFaultConfig, type FaultConfig } from '../../emulator/faults.js';
import { DEFAULT_READINGS, parseReading, validateReadings, type Readings } from '../../emulator/readings.js';
import { Output } from '../output.js';
import { textOption } from '../options.js';

/** `kb-sync emulator`: run the local CX Genie until Ctrl-C. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const out = new Output({ json: Boolean(argv.json), quiet: Boolean(argv.quiet), verbose: Boolean(argv.verbose) });
  const faults = readFaults(argv);
  const readings = readReadings(argv);
  const port = argv.port as number;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port must be a port number, got ${String(argv.port)}`);
  let emu;
  try {
    emu = await startEmulator({
      port,
      host: argv.host as string,
      ...(argv.token ? { token: argv.token as string } : {}),
      ...(argv.bot ? { botId: argv.bot as string } : {}),
      ...(argv.seed !== undefined ? { seed: argv.seed as number } : {}),
      ...(argv.customers !== undefined ? { customers: argv.customers as number } : {}),
      faults,
      readings,
      ...(argv.log ? { log: (line: string) => out.info(out.c.dim(line)) } : {}),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(
        `Port ${port} is in use.`,
        'Pass --port with another number (or --port 0 for any free port).',
      );
    if (code === 'EACCES') throw new ConfigError(`Not allowed to listen on ${String(argv.host)}:${port}.`);
    throw err;
  }
  if (out.json) {
    out.document({ url: emu.url, origin: emu.origin, token: emu.token, botId: emu.botId, readings: emu.readings });
  } else {
    out.final(
      [
        `CX Genie emulator listening on ${emu.origin}  (not the real API: test data only)`,
        '',
        'Use it with:',
        `  export CXGENIE_API_URL=${emu.url}`,
        `  export CXGENIE_WORKSPACE_TOKEN=${emu.token}`,
        `  export CXGENIE_BOT_ID=${emu.botId}`,
        '',
        ...readingLines(emu.readings),
        `Read back what was created: curl ${emu.origin}/__emulator/bot-data`,
        `Change fault switches:      curl -X PUT ${emu.origin}/__emulator/faults -d '{"rateLimit":{"requestsPerSecond":5}}'`,
        `Make the bot paraphrase:    curl -X PUT ${emu.origin}/__emulator/faults -d '{"replyMode":"paraphrase"}'`,
        `Change reading switches:    curl -X PUT ${emu.origin}/__emulator/readings -d '{"total":"remaining"}'`,
        'Press Ctrl-C to stop.',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emu.stop();
  const s = emu.stats();
  out.final(`Emulator stopped after ${s.requests} request(s); ${s.created} training data item(s) created.`);
  return 0;
}

function readFaults(argv: Record<string, unknown>): FaultConfig {
  let faults: FaultConfig = {};
  const spec = argv.faults as string | undefined;
  if (spec) {
    const text = spec.trim().startsWith('{') ? spec : readFile(spec);
    try {
      faults = JSON.parse(text) as FaultConfig;
    } catch (err) {
      throw new ConfigError(`--faults is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (argv.rateLimit !== undefined) faults.rateLimit = { requestsPerSecond: argv.rateLimit as number };
  if (argv.errorRate !== undefined) faults.errorRate = argv.errorRate as number;
  if (argv.lossRate !== undefined) faults.lossRate = argv.lossRate as number;
  if (argv.replyMode !== undefined) faults.replyMode = argv.replyMode as FaultConfig['replyMode'];
  if (argv.latency !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(textOption(argv.latency, 'latency') ?? '');
    if (!m) throw new ConfigError('--latency must be N or MIN-MAX (milliseconds)');
    faults.latencyMs = m[2] ? [Number(m[1]), Number(m[2])] : Number(m[1]);
  }
  const problem = validateFaultConfig(faults);
  if (problem) throw new ConfigError(`Emulator fault switches: ${problem}`);
  return faults;
}

function readReadings(argv: Record<string, unknown>): Partial<Readings> {
  let readings: Partial<Readings> = {};
  const spec = argv.readings as string | undefined;
  if (spec) {
    const text = spec.trim().startsWith('{') ? spec : readFile(spec, '--readings');
    try {
      readings = JSON.parse(text) as Partial<Readings>;
    } catch (err) {
      throw new ConfigError(`--readings is not valid JSON: ${(err as Error).message}`);
    }
    const problem = validateReadings(readings);
    if (problem) throw new ConfigError(`Emulator readings: ${problem}`, 'See docs/api-readings.md for every reading.');
  }
  const flags = argv.reading === undefined ? [] : ([] as unknown[]).concat(argv.reading);
  for (const f of flags) {
    try {
      readings = { ...readings, ...parseReading(String(f)) };
    } catch (err) {
      throw new ConfigError((err as Error).message, 'See docs/api-readings.md for every reading.');
    }
  }
  return readings;
}

/** The readings that differ from the defaults, for the start banner. */
function readingLines(r: Readings): string[] {
  const changed = Object.entries(r).filter(([k, v]) => DEFAULT_READINGS[k as keyof Readings] !== v);
  if (changed.length === 0) return [];
  return [`Readings:                   ${changed.map(([k, v]) => `${k}=${v}`).join(' ')}`, ''];
}

function readFile(p: string, flag = '--faults'): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read ${flag} file ${p}: ${(err as Error).message}`);
  }
}
