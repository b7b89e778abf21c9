import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output, progressLine } from '../../src/cli/output.js';

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
  it('shows a progress bar with done/total, rate and ETA on a TTY', () => {
    const out = sink(false);
    const err = sink(true);
    const o = new Output({}, { stdout: out.stream, stderr: err.stream }, { TERM: 'xterm' });
    const bar = o.progress('Pushing');
    bar.update(3, 10);
    bar.update(7, 10);
    bar.stop();
    expect(err.text()).toContain('Pushing [');
    expect(err.text()).toMatch(/\d+\/10/);
    expect(err.text()).toContain('ETA');
    expect(out.text()).toBe('');
  });

  it('shows no progress bar and no status line without a TTY, or with --quiet', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const err = sink(tty);
      const o = new Output({ quiet }, { stdout: sink(false).stream, stderr: err.stream }, { TERM: 'xterm' });
      const bar = o.progress('Pushing');
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

  it('draws the bar on the status line, at most 8 times a second, always the last one, and clears it', () => {
    const err = sink(true);
    const o = new Output({}, { stdout: sink(false).stream, stderr: err.stream }, { TERM: 'xterm' });
    let now = 0;
    const bar = o.progress('Pushing', () => now);
    const draws = () => err.text().split('Pushing [').length - 1;
    bar.update(1, 4);
    now = 50;
    bar.update(2, 4);
    expect(draws()).toBe(1);
    now = 200;
    bar.update(3, 4);
    expect(draws()).toBe(2);
    now = 210;
    bar.update(4, 4);
    expect(draws()).toBe(3);
    expect(err.text()).toContain('4/4');
    bar.stop();
    expect(err.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});

describe('progressLine', () => {
  it.each<[number, number, number, string]>([
    [7, 21, 2, 'Pushing [████████░░░░░░░░░░░░░░░░] 7/21 · 3.5/s · ETA 4s'],
    [0, 10, 0, 'Pushing [░░░░░░░░░░░░░░░░░░░░░░░░] 0/10 · 0.0/s · ETA …'],
    [10, 10, 4, 'Pushing [████████████████████████] 10/10 · 2.5/s · ETA 0s'],
    [100, 10_000, 10, 'Pushing [░░░░░░░░░░░░░░░░░░░░░░░░] 100/10000 · 10.0/s · ETA 16m30s'],
    [1, 100_000, 1, 'Pushing [░░░░░░░░░░░░░░░░░░░░░░░░] 1/100000 · 1.0/s · ETA 27h46m'],
  ])('%d of %d after %d s', (done, total, secs, line) => {
    expect(progressLine('Pushing', done, total, secs)).toBe(line);
  });
});
