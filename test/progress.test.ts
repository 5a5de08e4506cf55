import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itWithTools } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, fwkit, REPO, type RunResult } from './helpers.js';

// Issue 10: progress of long work on stderr. On a terminal: one line rewritten in place (\r, erase
// to the end of the line) with its timings, the last one kept; CI=false and CI=0 are not CI. In CI
// or into a pipe: one stable plain line per step (no \r, no escape sequence, no timing).

const MODEL = 'ptz-4k';
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' };
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fwkit-progress-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const buildArgs = (out: string) => ['build', '--product', MODEL, '--keys', 'keys.example', '--out', join(work, out), '--no-cache'];

/** `fwkit <args>` under a real pseudo-terminal (util-linux `script`): stdout and stderr both go to it, and back here. */
function onTerminal(args: readonly string[], env: Record<string, string | undefined>): Promise<RunResult> {
  const command = [process.execPath, CLI, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const merged: Record<string, string | undefined> = { ...process.env, ...EPOCH, TERM: 'xterm', ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  return new Promise((done) => {
    execFile('script', ['-qfec', command, '/dev/null'], { cwd: REPO, env: childEnv }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const STEPS = ['load', 'bundle', 'sbom', 'check devices', 'sign', 'write', 'verify'];

describe('progress', () => {
  it('into a pipe (and in CI): one plain line per step, numbered, the same on every run', async () => {
    const runs: string[] = [];
    for (const [i, CI] of ['true', 'false'].entries()) {
      const run = await fwkit([...buildArgs(`out-${i}`), '--json'], { env: { ...EPOCH, CI } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr.includes('\r') || run.stderr.includes('\u001b')).toBe(false);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines.every((line) => line.startsWith(`[1/1] ${MODEL}: `))).toBe(true);
      expect(STEPS.every((step) => lines.some((line) => line.startsWith(`[1/1] ${MODEL}: ${step}`)))).toBe(true);
      runs.push(run.stderr);
    }
    expect(runs[1]).toBe(runs[0]);
  });

  itWithTools(
    ['script'],
    'on a terminal: one line rewritten in place with timings, the last kept; CI=false and CI=0 are not CI',
    async () => {
      for (const CI of [undefined, 'false', '0', '']) {
        const run = await onTerminal(buildArgs(`tty-${CI ?? 'unset'}`), { CI });
        expect(run.code, run.stdout).toBe(0);
        const progress = run.stdout.slice(0, run.stdout.indexOf('MODEL'));
        const frames = progress.split('\r\u001b[K').slice(1);
        expect(frames.length, String(CI)).toBeGreaterThanOrEqual(STEPS.length);
        for (const frame of frames) expect(frame).toMatch(/^\[1\/1\] ptz-4k: .+ … \d+\.\d s \(\d+\.\d s in all\)(\r\n)?$/);
        // Only the last frame ends its line: the table starts on a line of its own.
        expect(frames.filter((frame) => frame.endsWith('\n'))).toHaveLength(1);
        expect(frames.at(-1)).toMatch(/verify … .*\r\n$/);
      }
      const ci = await onTerminal(buildArgs('tty-ci'), { CI: 'true' });
      expect(ci.code).toBe(0);
      expect(ci.stdout).not.toContain('\u001b');
      expect(ci.stdout).toContain(`[1/1] ${MODEL}: verify\r\n`);
    },
    60_000,
  );
});
