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

/** Substitute `${{ inputs.x }}` and `${{ github.action_path }}` as the runner would. */
function expand(value: string, inputs: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
    if (expr === 'github.action_path') return REPO;
    if (expr.startsWith('inputs.')) {
      const name = expr.slice('inputs.'.length);
      return inputs[name] ?? action.inputs[name]?.default ?? '';
    }
    throw new Error(`unexpected expression ${expr}`);
  });
}

/**
 * Run one `run:` step with bash, in its working directory, with GitHub's files and variables.
 * Asynchronous: the emulator answering it runs in this process.
 */
function runStep(step: Step, inputs: Record<string, string>, gh: { cwd: string; output: string; summary: string }) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('CXGENIE_') && !k.startsWith('GITHUB_')) env[k] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_OUTPUT: gh.output,
    GITHUB_STEP_SUMMARY: gh.summary,
    NO_COLOR: '1',
  });
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(v, inputs);
  const cwd = path.resolve(gh.cwd, expand(step['working-directory'] ?? '.', inputs));
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

/** `$GITHUB_OUTPUT` as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks. */
function outputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const block = /^([\w-]+)<<(.+)$/.exec(lines[i] as string);
    if (block) {
      const end = lines.indexOf(block[2] as string, i + 1);
      out[block[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const m = /^([\w-]+)=(.*)$/.exec(lines[i] as string);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

const stepNamed = (name: string) => action.runs.steps.find((s) => s.name === name) as Step;

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
    const ghDir = tempDir('kb-sync-gh-');
    const gh = { cwd: p.dir, output: path.join(ghDir, 'output'), summary: path.join(ghDir, 'summary.md') };
    fs.writeFileSync(gh.output, '');
    fs.writeFileSync(gh.summary, '');
    const inputs = { 'bot-id': emu.botId, 'workspace-token': emu.token, 'api-url': emu.url, 'working-directory': '.' };

    const locate = await runStep(stepNamed('Locate the state file'), inputs, gh);
    expect(locate.code).toBe(0);
    expect(outputs(gh.output).file).toBe(p.stateFile);
    // Only the state file is cached, never its folder (which could hold the checkout itself).
    for (const name of ['Restore the state', 'Save the state'])
      expect(stepNamed(name)).toMatchObject({ with: { path: '${{ steps.state.outputs.file }}' } });

    // First run in CI from an empty state: refused unless allow-initial.
    const refused = await runStep(stepNamed('Sync'), inputs, gh);
    expect(refused.code).toBe(4);
    expect(emu.created(emu.botId)).toHaveLength(0);

    fs.writeFileSync(gh.output, '');
    const sync = await runStep(stepNamed('Sync'), { ...inputs, 'allow-initial': 'true' }, gh);
    expect(sync.code).toBe(1);
    expect(sync.stdout).toContain('::add-mask::');
    expect(sync.stdout).toContain('::error file=knowledge/bad.qa.yaml,line=1,col=3::answer is missing');
    expect(outputs(gh.output)).toMatchObject({
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

    // A pull request: plan, no token, the plan in the summary.
    p.write({ 'new.md': '# New page\n\nComing with the merge.\n' });
    fs.writeFileSync(gh.summary, '');
    const plan = await runStep(stepNamed('Sync'), { ...inputs, 'workspace-token': '', 'dry-run': 'true' }, gh);
    expect(plan.code).toBe(1);
    const planSummary = fs.readFileSync(gh.summary, 'utf8');
    expect(planSummary).toContain('kb-sync plan for bot');
    expect(planSummary).toContain('#### Will be created');
    expect(planSummary).toContain('New page');
    expect(emu.created(emu.botId)).toHaveLength(2);

    // After a clean sync, the eval step asks the bot the folder's questions and sets pass-rate.
    p.write({ 'bad.qa.yaml': '- q: Missing answer\n  a: Now it has one.\n' });
    expect((await runStep(stepNamed('Sync'), inputs, gh)).code).toBe(0);
    fs.writeFileSync(gh.output, '');
    const evalStep = await runStep(
      stepNamed('Evaluate the bot'),
      { ...inputs, eval: 'true', 'eval-threshold': '0.9' },
      gh,
    );
    expect(evalStep.code).toBe(0);
    expect(outputs(gh.output)).toMatchObject({ 'pass-rate': '1', passed: '2', failed: '0' });
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

    const locate = await runStep(stepNamed('Locate the state file'), inputs, gh);
    expect(locate.code).toBe(0);
    expect(outputs(gh.output).file?.split('\n')).toEqual([
      path.join(dir, '.kb-sync/state.en.db'),
      path.join(dir, '.kb-sync/state.ja.db'),
    ]);

    fs.writeFileSync(gh.output, '');
    const sync = await runStep(stepNamed('Sync'), inputs, gh);
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
    const again = await runStep(stepNamed('Sync'), { ...inputs, target: 'ja' }, { ...gh, cwd: other });
    expect(again.code).toBe(0);
    expect(outputs(gh.output)).toMatchObject({ created: '0', 'exit-code': '0' });
    expect(await botData(emu, 'bot-ja')).toHaveLength(1);
  });
});
