import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';

/** What reaches a terminal (TTY) or a log (no TTY), and that the token never does. */

function sink(tty: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = tty;
  stream.columns = 100;
  return { stream, text: () => text };
}

describe('Output', () => {
  it('shows a progress bar with done/total, rate and ETA on a TTY', async () => {
    const out = sink(false);
    const err = sink(true);
    const o = new Output({}, { stdout: out.stream, stderr: err.stream }, { TERM: 'xterm' });
    const bar = await o.progress('Pushing');
    bar.update(3, 10);
    bar.update(7, 10);
    bar.stop();
    expect(err.text()).toContain('Pushing [');
    expect(err.text()).toMatch(/\d+\/10/);
    expect(err.text()).toContain('ETA');
    expect(out.text()).toBe('');
  });

  it('shows no progress bar and no status line without a TTY, or with --quiet', async () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const err = sink(tty);
      const o = new Output({ quiet }, { stdout: sink(false).stream, stderr: err.stream }, { TERM: 'xterm' });
      const bar = await o.progress('Pushing');
      bar.update(1, 2);
      bar.stop();
      o.live('watching 3 files');
      expect(err.text()).toBe('');
    }
  });

  it('keeps a status line at the bottom of a TTY, redrawn under other output', () => {
    const out = sink(true);
    const err = sink(true);
    const o = new Output({}, { stdout: out.stream, stderr: err.stream }, { TERM: 'xterm' });
    o.live('watching 3 files · last sync 12:04');
    o.warn('a warning');
    expect(err.text()).toContain('watching 3 files · last sync 12:04');
    // The line is cleared before the warning and drawn again after it.
    expect(err.text().indexOf('\r\x1b[2K')).toBeGreaterThan(-1);
    expect(err.text().lastIndexOf('watching 3 files')).toBeGreaterThan(err.text().indexOf('a warning'));
  });

  it('with --json, human text goes to stderr and the document alone to stdout', () => {
    const out = sink(false);
    const err = sink(false);
    const o = new Output({ json: true }, { stdout: out.stream, stderr: err.stream }, {});
    o.info('human line');
    o.final('final line');
    o.document({ ok: true });
    expect(JSON.parse(out.text())).toEqual({ ok: true });
    expect(err.text()).toBe('human line\nfinal line\n');
  });

  it('--quiet keeps errors and the final line only', () => {
    const out = sink(false);
    const err = sink(false);
    const o = new Output({ quiet: true }, { stdout: out.stream, stderr: err.stream }, {});
    o.info('chatter');
    o.warn('warning');
    o.detail('detail');
    o.error('an error');
    o.final('the end');
    expect(out.text()).toBe('the end\n');
    expect(err.text()).toBe('an error\n');
  });

  it('never prints a registered secret, raw or URL-encoded, on any channel', () => {
    const out = sink(false);
    const err = sink(true);
    const secret = 'tok/SECRET+value=42';
    const o = new Output({ verbose: true }, { stdout: out.stream, stderr: err.stream }, { TERM: 'xterm' });
    o.addSecret(secret);
    o.info(`token ${secret}`);
    o.detail(`url ?workspace_token=${encodeURIComponent(secret)}`);
    o.error(`error ${secret}`);
    o.live(`status ${secret}`);
    o.document({ t: secret });
    const all = out.text() + err.text();
    expect(all).not.toContain(secret);
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(all).toContain('***');
  });
});
