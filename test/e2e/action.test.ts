import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { tempDir } from '../helpers/fs.js';
import { botData, gitProject } from '../helpers/git-project.js';

/**
 * The composite action: action.yml parses, its inputs and outputs are the ones docs/ci-action.md lists, and its shell
 * steps run as GitHub runs them (GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, CI) against
 * the emulator, giving annotations, a step summary and outputs.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Step {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, { default?: string; required?: boolean; description: string }>;
  outputs: Record<string, { value: string; description: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as Action;
/** The page that documents the action's inputs and outputs. */
const actionDoc = fs.readFileSync(path.join(REPO, 'docs', 'ci-action.md'), 'utf8');

/** Outputs of the steps run so far, by step id (what `steps.<id>.outputs.<name>` reads). */
type StepOutputs = Record<string, Record<string, string>>;

/** The value of `inputs.x`, `steps.<id>.outputs.<name>` or `github.action_path`, as the runner gives it. */
function lookup(expr: string, inputs: Record<string, string>, steps: StepOutputs): string {
  if (expr === 'github.action_path') return REPO;
  if (expr.startsWith('inputs.')) {
    const name = expr.slice('inputs.'.length);
    return inputs[name] ?? action.inputs[name]?.default ?? '';
  }
  const m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
  if (m) return steps[m[1] as string]?.[m[2] as string] ?? '';
  throw new Error(`unexpected expression ${expr}`);
}

/** Substitute `${{ … }}` as the runner would. */
function expand(value: string, inputs: Record<string, string>, steps: StepOutputs = {}): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => lookup(expr, inputs, steps));
}

/**
 * A step's `if:` as GitHub evaluates the forms action.yml uses: terms joined by `&&`, each
 * `always()`, `failure()` or `<value> == '<text>'` / `!=`, where string comparison ignores case (as GitHub's
 * does: that is why a raw `True` once passed `if:` while bash saw it as not "true").
 */
function condition(expr: string | undefined, inputs: Record<string, string>, steps: StepOutputs, failed: boolean) {
  if (expr === undefined) return !failed;
  const terms = expr.split('&&').map((t) => t.trim());
  let always = false;
  let onFailure = false;
  const ok = terms.every((t) => {
    if (t === 'always()') return (always = true);
    if (t === 'failure()') return (onFailure = true);
    const m = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(t);
    if (!m) throw new Error(`unexpected condition ${t}`);
    const same = lookup(m[1] as string, inputs, steps).toLowerCase() === (m[3] as string).toLowerCase();
    return m[2] === '==' ? same : !same;
  });
  if (onFailure) return ok && failed;
  return ok && (always || !failed);
}

/**
 * Run one `run:` step with bash, in its working directory, with GitHub's files and variables.
 * Asynchronous: the emulator answering it runs in this process.
 */
function runStep(
  step: Step,
  inputs: Record<string, string>,
  gh: { cwd: string; output: string; summary: string },
  steps: StepOutputs = {},
) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('CXGENIE_') && !k.startsWith('GITHUB_')) env[k] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_OUTPUT: gh.output,
    // What a step exports for the job's later steps (Install kb-sync sets KB_SYNC_CLI).
    GITHUB_ENV: `${gh.output}.env`,
    GITHUB_STEP_SUMMARY: gh.summary,
    NO_COLOR: '1',
  });
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(v, inputs, steps);
  const cwd = path.resolve(gh.cwd, expand(step['working-directory'] ?? '.', inputs, steps));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', step.run as string], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The outputs a step wrote, in both of GitHub's forms: `name=value` and `name<<DELIMITER` … `DELIMITER`. */
function outputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const multi = /^([\w-]+)<<(.+)$/.exec(line);
    if (multi) {
      const end = lines.indexOf(multi[2] as string, i + 1);
      if (end === -1) throw new Error(`output ${multi[1]}: no closing delimiter`);
      out[multi[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const m = /^([\w-]+)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

const stepNamed = (name: string) => action.runs.steps.find((s) => s.name === name) as Step;

type StepRun =
  { ran: false } | { ran: true; code: number | null; stdout: string; stderr: string; outputs: Record<string, string> };

/**
 * Run the whole action as the runner would: each step in order when its `if:` holds, each `run:`
 * step with a fresh `$GITHUB_OUTPUT` whose outputs the later steps read. `uses:` steps
 * (setup-node, the cache) are taken as done. A failed step skips the rest but `always()` ones.
 */
async function runAction(inputs: Record<string, string>, gh: { cwd: string; summary: string }) {
  const ghDir = tempDir('kb-sync-gh-out-');
  const outs: StepOutputs = {};
  const steps: Record<string, StepRun> = {};
  let failed = false;
  for (const [i, step] of action.runs.steps.entries()) {
    if (!condition(step.if, inputs, outs, failed)) {
      steps[step.name] = { ran: false };
      continue;
    }
    if (step.run === undefined) {
      steps[step.name] = { ran: true, code: 0, stdout: '', stderr: '', outputs: {} };
      continue;
    }
    const output = path.join(ghDir, `output-${i}`);
    fs.writeFileSync(output, '');
    const r = await runStep(step, inputs, { ...gh, output }, outs);
    const written = outputs(output);
    if (step.id) outs[step.id] = written;
    if (r.code !== 0) failed = true;
    steps[step.name] = { ran: true, ...r, outputs: written };
  }
  return { steps, failed };
}

/** The run of one step, which must have run. */
function ran(run: { steps: Record<string, StepRun> }, name: string) {
  const r = run.steps[name];
  if (!r?.ran) throw new Error(`step "${name}" did not run`);
  return r;
}

describe('action.yml', () => {
  it('is a composite action whose inputs and outputs are the ones docs/ci-action.md documents', () => {
    expect(action.runs.using).toBe('composite');
    const table = actionDoc.slice(actionDoc.indexOf('| input | default |'));
    const documented = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(action.inputs).sort());
    for (const name of [
      'config',
      'bot-id',
      'workspace-token',
      'api-url',
      'dry-run',
      'allow-initial',
      'working-directory',
      'eval',
    ]) {
      expect(action.inputs).toHaveProperty(name);
    }
    const outLine = actionDoc.slice(
      actionDoc.indexOf('Outputs: '),
      actionDoc.indexOf('\n\n', actionDoc.indexOf('Outputs: ')),
    );
    const documentedOut = [...outLine.matchAll(/`([\w-]+)`/g)].map((m) => m[1]);
    expect(documentedOut.sort()).toEqual(Object.keys(action.outputs).sort());
    // Every output maps to an output the sync or eval step writes.
    for (const [name, o] of Object.entries(action.outputs))
      expect(o.value).toMatch(
        new RegExp(`steps\\.(sync|eval)\\.outputs\\.${name === 'eval-pass-rate' ? 'pass-rate' : name}\\b`),
      );
    // The state is saved even when the sync step failed (what succeeded must not be forgotten).
    expect(stepNamed('Save the state').if).toMatch(/^always\(\)/);
  });

  it('runs its steps as GitHub does: annotations, a step summary and outputs; a plan needs no token', async () => {
    const emu = await emulator();
    const p = project(
      {
        'guide.md': '# Guide\n\nHow to do it.\n',
        'faq.qa.yaml': '- q: Good?\n  a: Yes.\n',
        'bad.qa.yaml': '- q: Missing answer\n',
      },
      { emu },
    );
    const gh = { cwd: p.dir, summary: path.join(tempDir('kb-sync-gh-'), 'summary.md') };
    fs.writeFileSync(gh.summary, '');
    const inputs = { 'bot-id': emu.botId, 'workspace-token': emu.token, 'api-url': emu.url, 'working-directory': '.' };

    // First run in CI from an empty state: refused unless allow-initial.
    const refused = await runAction(inputs, gh);
    expect(ran(refused, 'Locate the state file').outputs.file).toBe(p.stateFile);
    // Only the state file is cached, never its folder (which could hold the checkout itself).
    for (const name of ['Restore the state', 'Save the state'])
      expect(stepNamed(name)).toMatchObject({ with: { path: '${{ steps.state.outputs.file }}' } });
    expect(ran(refused, 'Sync').code).toBe(4);
    expect(emu.created(emu.botId)).toHaveLength(0);
    // The state is saved even though the sync step failed (what succeeded must not be forgotten).
    expect(refused.steps['Save the state']).toMatchObject({ ran: true });

    const syncRun = await runAction({ ...inputs, 'allow-initial': 'true' }, gh);
    const sync = ran(syncRun, 'Sync');
    expect(sync.code).toBe(1);
    expect(sync.stdout).toContain('::add-mask::');
    expect(sync.stdout).toContain('::error file=knowledge/bad.qa.yaml,line=1,col=3::answer is missing');
    expect(sync.outputs).toMatchObject({
      created: '2',
      updated: '0',
      failed: '0',
      'file-errors': '1',
      'exit-code': '1',
    });
    const summary = fs.readFileSync(gh.summary, 'utf8');
    expect(summary).toContain(`### kb-sync sync for bot \`${emu.botId}\``);
    expect(summary).toContain('| 2 | 0 | 0 | 0 | 0 | 0 |');
    expect(summary).toContain('#### File errors');
    expect(summary).toContain('knowledge/bad.qa.yaml:1');
    expect(emu.created(emu.botId)).toHaveLength(2);

    // A pull request: plan, no token, the plan in the summary; the state is not saved.
    p.write({ 'new.md': '# New page\n\nComing with the merge.\n' });
    fs.writeFileSync(gh.summary, '');
    const planRun = await runAction({ ...inputs, 'workspace-token': '', 'dry-run': 'true' }, gh);
    expect(ran(planRun, 'Sync').code).toBe(1);
    expect(planRun.steps['Save the state']).toEqual({ ran: false });
    const planSummary = fs.readFileSync(gh.summary, 'utf8');
    expect(planSummary).toContain('kb-sync plan for bot');
    expect(planSummary).toContain('#### Will be created');
    expect(planSummary).toContain('New page');
    expect(emu.created(emu.botId)).toHaveLength(2);

    // After a clean sync, the eval step asks the bot the folder's questions and sets pass-rate.
    p.write({ 'bad.qa.yaml': '- q: Missing answer\n  a: Now it has one.\n' });
    const evalRun = await runAction({ ...inputs, eval: 'true', 'eval-threshold': '0.9' }, gh);
    expect(ran(evalRun, 'Sync').code).toBe(0);
    const evalStep = ran(evalRun, 'Evaluate the bot');
    expect(evalStep.code).toBe(0);
    expect(evalStep.outputs).toMatchObject({ 'pass-rate': '1', passed: '2', failed: '0' });
    expect(fs.readFileSync(gh.summary, 'utf8')).toContain('### kb-sync eval: 2 of 2 passed');
  });

  it('with targets and the state in git: a step summary section per target, summed outputs and targets-json, a ref per target', async () => {
    const emu = await emulator({ extraBotIds: ['bot-ja'] });
    const p = gitProject(
      emu,
      {
        'en/guide.md': '# Guide\n\nHow to do it.\n',
        'en/faq.qa.yaml': '- q: Shipping?\n  a: Worldwide.\n',
        'ja/guide.md': '# ガイド\n\nやり方。\n',
      },
      {
        botId: undefined,
        gitState: { enabled: false },
        targets: [
          { name: 'en', botId: emu.botId, include: ['en/**'] },
          { name: 'ja', botId: 'bot-ja', include: ['ja/**'] },
        ],
      },
    );
    const dir = p.runner('ci');
    const ghDir = tempDir('kb-sync-gh-');
    const gh = { cwd: dir, output: path.join(ghDir, 'output'), summary: path.join(ghDir, 'summary.md') };
    fs.writeFileSync(gh.output, '');
    fs.writeFileSync(gh.summary, '');
    const inputs = {
      'workspace-token': emu.token,
      'api-url': emu.url,
      'working-directory': '.',
      'allow-initial': 'true',
      'git-state': 'true',
      target: 'en, ja',
    };

    // The later steps read the checked inputs (steps.inputs.outputs), as on GitHub.
    const check = await runStep(stepNamed('Check the inputs'), inputs, gh);
    expect(check.code).toBe(0);
    const checked = { inputs: outputs(gh.output) };
    expect(checked.inputs).toMatchObject({ 'git-state': 'true', 'allow-initial': 'true', 'dry-run': 'false' });
    fs.writeFileSync(gh.output, '');
    const locate = await runStep(stepNamed('Locate the state file'), inputs, gh);
    expect(locate.code).toBe(0);
    expect(outputs(gh.output).file?.split('\n')).toEqual([
      path.join(dir, '.kb-sync/state.en.db'),
      path.join(dir, '.kb-sync/state.ja.db'),
    ]);

    fs.writeFileSync(gh.output, '');
    const sync = await runStep(stepNamed('Sync'), inputs, gh, checked);
    expect(sync.code).toBe(0);
    const out = outputs(gh.output);
    expect(out).toMatchObject({ created: '3', failed: '0', 'exit-code': '0' });
    expect(JSON.parse(out['targets-json'] as string)).toMatchObject({
      en: { created: 2, 'exit-code': 0 },
      ja: { created: 1, 'exit-code': 0 },
    });
    const summary = fs.readFileSync(gh.summary, 'utf8');
    expect(summary).toContain(`### kb-sync sync for target \`en\` (bot \`${emu.botId}\`)`);
    expect(summary).toContain('### kb-sync sync for target `ja` (bot `bot-ja`)');
    expect(await botData(emu, emu.botId)).toHaveLength(2);
    expect(await botData(emu, 'bot-ja')).toHaveLength(1);
    // Each target's state is in its own ref, with no lock left.
    expect(p.remoteRef(`refs/kb-sync/state/${emu.botId}.en`)).not.toBeNull();
    expect(p.remoteRef('refs/kb-sync/state/bot-ja.ja')).not.toBeNull();

    // One target only, from a fresh clone: its state comes from the ref, nothing is pushed again.
    const other = p.runner('ci-2');
    fs.writeFileSync(gh.output, '');
    const again = await runStep(stepNamed('Sync'), { ...inputs, target: 'ja' }, { ...gh, cwd: other }, checked);
    expect(again.code).toBe(0);
    expect(outputs(gh.output)).toMatchObject({ created: '0', 'exit-code': '0' });
    expect(await botData(emu, 'bot-ja')).toHaveLength(1);
  });

  it('boolean inputs: true/True/TRUE and false/False/FALSE mean the same to every step; anything else is refused', async () => {
    const emu = await emulator();
    const p = project({ 'guide.md': '# Guide\n\nHow to do it.\n', 'faq.qa.yaml': '- q: Good?\n  a: Yes.\n' }, { emu });
    const gh = { cwd: p.dir, summary: path.join(tempDir('kb-sync-gh-'), 'summary.md') };
    fs.writeFileSync(gh.summary, '');
    const inputs = { 'bot-id': emu.botId, 'workspace-token': emu.token, 'api-url': emu.url };

    // `dry-run: True` once passed the `if:` checks (GitHub compares without case) while bash
    // ran a real sync: now a plan for every step.
    const dry = await runAction({ ...inputs, 'dry-run': 'True', 'allow-initial': 'TRUE' }, gh);
    expect(ran(dry, 'Check the inputs').outputs).toEqual({
      'dry-run': 'true',
      'allow-initial': 'true',
      'state-cache': 'true',
      eval: 'false',
      'git-state': '',
      wait: 'false',
    });
    expect(ran(dry, 'Sync').stdout).toMatch(/would be created|Will be created|plan/i);
    expect(fs.readFileSync(gh.summary, 'utf8')).toContain('kb-sync plan for bot');
    expect(emu.created(emu.botId)).toHaveLength(0);
    expect(fs.existsSync(p.stateFile)).toBe(false);
    expect(dry.steps['Save the state']).toEqual({ ran: false });

    const real = await runAction(
      { ...inputs, 'dry-run': 'FALSE', 'allow-initial': 'True', 'state-cache': 'False' },
      gh,
    );
    expect(ran(real, 'Sync').outputs).toMatchObject({ created: '2', 'exit-code': '0' });
    expect(emu.created(emu.botId)).toHaveLength(2);
    expect(real.steps['Restore the state']).toEqual({ ran: false });
    expect(real.steps['Save the state']).toEqual({ ran: false });

    for (const [name, value, shown] of [
      ['dry-run', 'yes', 'yes'],
      ['allow-initial', '1', '1'],
      ['state-cache', 'true\n::warning::spoofed', 'true???warning??spoofed'],
      ['dry-run', '', ''],
    ] as const) {
      const bad = await runAction({ ...inputs, [name]: value }, gh);
      const check = ran(bad, 'Check the inputs');
      expect(check.code).toBe(2);
      expect(check.stdout).toContain(
        `::error title=kb-sync::input ${name} must be true or false (or True, TRUE, False, FALSE), got "${shown}"`,
      );
      // The value is never echoed raw: no line it holds can start a workflow command.
      expect(check.stdout.split('\n').filter((l) => l.startsWith('::'))).toHaveLength(1);
      expect(bad.steps.Sync).toEqual({ ran: false });
      expect(bad.steps['Save the state']).toEqual({ ran: false });
    }
    expect(emu.created(emu.botId)).toHaveLength(2);

    // eval: a boolean in any of those cases, or a path; a path with a newline is refused.
    const evalPath = await runAction({ ...inputs, 'dry-run': 'true', eval: 'evals/my cases.yaml' }, gh);
    expect(ran(evalPath, 'Check the inputs').outputs.eval).toBe('evals/my cases.yaml');
    const evalBad = await runAction({ ...inputs, eval: 'evals.yaml\nexit-code=0' }, gh);
    expect(ran(evalBad, 'Check the inputs').code).toBe(2);
    expect(ran(evalBad, 'Check the inputs').outputs).not.toHaveProperty('exit-code');
  });

  it('a newline in stateFile cannot add step outputs', async () => {
    const p = project(
      { 'guide.md': '# Guide\n\nHow to do it.\n' },
      { config: { stateFile: 'state.db\nexit-code=0\nfile=/etc' } },
    );
    const gh = { cwd: p.dir, summary: path.join(tempDir('kb-sync-gh-'), 'summary.md') };
    fs.writeFileSync(gh.summary, '');
    const run = await runAction({ 'dry-run': 'true' }, gh);
    const locate = ran(run, 'Locate the state file');
    expect(locate.code).toBe(2);
    expect(locate.stderr).toContain('"stateFile" must not hold control characters');
    expect(locate.outputs).toEqual({});
    expect(run.steps.Sync).toEqual({ ran: false });
    expect(run.steps['Save the state']).toEqual({ ran: false });

    // The step's own guard, whatever prints the path (an older kb-sync, say): refused, and a
    // plain path goes out in the delimiter form with a delimiter no path can guess.
    const outFile = path.join(tempDir('kb-sync-gh-out-'), 'output');
    const stub = path.join(tempDir('kb-sync-stub-'), 'main.js');
    const locateStep = stepNamed('Locate the state file');
    const withStub = (): Step => ({
      ...locateStep,
      env: { ...locateStep.env, KB_SYNC: stub },
    });
    for (const printed of ['/x/state\u001b]8;;\u0007.db', '/x/a.db\n/x/b\r.db']) {
      fs.writeFileSync(stub, `process.stdout.write(${JSON.stringify(printed)} + '\\n');`);
      fs.writeFileSync(outFile, '');
      const r = await runStep(withStub(), {}, { cwd: p.dir, output: outFile, summary: gh.summary });
      expect(r.code).toBe(2);
      expect(r.stdout).toContain("::error title=kb-sync::a state file's path holds control characters");
      expect(fs.readFileSync(outFile, 'utf8')).toBe('');
    }
    // One path per line (one per target): a line that looks like an output stays inside the value.
    fs.writeFileSync(stub, `process.stdout.write('/x/state.db\\nexit-code=0\\n');`);
    fs.writeFileSync(outFile, '');
    const lines = await runStep(withStub(), {}, { cwd: p.dir, output: outFile, summary: gh.summary });
    expect(lines.code).toBe(0);
    expect(outputs(outFile)).toEqual({ file: '/x/state.db\nexit-code=0' });
    fs.writeFileSync(stub, `process.stdout.write('/x/my state/file=state.db\\n');`);
    fs.writeFileSync(outFile, '');
    const ok = await runStep(withStub(), {}, { cwd: p.dir, output: outFile, summary: gh.summary });
    expect(ok.code).toBe(0);
    expect(outputs(outFile)).toEqual({ file: '/x/my state/file=state.db' });
    expect(fs.readFileSync(outFile, 'utf8')).toMatch(/^file<<kb_sync_[0-9a-f]{32}\n/);
  });
});
