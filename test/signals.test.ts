import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyCheckout, snapshot } from './helpers.js';

// SIGINT or SIGTERM in the middle of `fwkit build` or `fwkit release`: the CLI stops, removes its
// staging directory and temporary files, leaves the out dir and the ledger byte for byte as they
// were, and exits 128 + the signal number. The signal is sent at several delays after the staging
// directory appears (polled, not a test hook), so that it lands in different steps: fractions of
// the time an uninterrupted run of the same command takes from there to its exit on this machine.

const EPOCH = '1767225600';
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
/** Several real builds one after the other, on a machine that may be busy. */
const RUNS_TIMEOUT = 240_000;

let root: string | undefined;
let pristine: string;
beforeAll(async () => {
  pristine = await copyCheckout('fwkit-signals-');
  // An out dir with an older build in it: it must survive every interrupted run unchanged.
  await mkdir(join(pristine, 'out', 'ptz-4k'), { recursive: true });
  await writeFile(join(pristine, 'out', 'ptz-4k', 'ptz-4k-1.3.0.fwimg'), 'an older image\n');
  await writeFile(join(pristine, 'out', 'ptz-4k', 'ptz-4k-1.4.0.fwimg'), 'the image this build replaces\n');
});
afterAll(async () => {
  await rm(pristine, { recursive: true, force: true });
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** A fresh copy of the pristine checkout for each run (a run that finished changed it). */
async function freshRoot(): Promise<string> {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  root = `${pristine}-run`;
  await cp(pristine, root, { recursive: true, verbatimSymlinks: true });
  return root;
}

async function stagingIn(out: string, prefix: string): Promise<boolean> {
  try {
    return (await readdir(out)).some((name) => name.startsWith(prefix));
  } catch {
    return false;
  }
}

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** The process had exited before the signal could be sent. */
  readonly finishedFirst: boolean;
  /** Milliseconds from the staging directory's appearance to the exit. */
  readonly remaining: number;
}

/** Start the CLI, wait for its staging directory, wait `delay` ms more, send `signal`. */
async function interrupt(args: string[], cwd: string, prefix: string, signal: keyof typeof EXIT, delay: number): Promise<Outcome> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, CI: 'true', SOURCE_DATE_EPOCH: EPOCH },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, sig) => {
      resolve({ code, signal: sig });
    });
  });
  const state = { running: true };
  void exited.then(() => {
    state.running = false;
  });
  const deadline = Date.now() + 60_000;
  while (state.running && !(await stagingIn(join(cwd, 'out'), prefix))) {
    if (Date.now() > deadline) throw new Error(`no ${prefix} staging directory appeared`);
    await sleep(5);
  }
  const staged = Date.now();
  if (delay === Infinity) await exited;
  else if (delay > 0) await sleep(delay);
  const finishedFirst = !state.running;
  if (!finishedFirst) child.kill(signal);
  const result = await exited;
  return { ...result, stderr, finishedFirst, remaining: Date.now() - staged };
}

async function expectInterruptions(
  args: string[],
  prefix: string,
  fractions: readonly number[],
  whenFinished: (root: string) => Promise<void>,
): Promise<void> {
  // An uninterrupted run first: how long the command runs after its staging directory appears.
  const calibration = await interrupt(args, await freshRoot(), prefix, 'SIGINT', Infinity);
  expect(calibration.code, calibration.stderr).toBe(0);
  const delays = fractions.map((f) => Math.round(f * calibration.remaining));
  let interrupted = 0;
  for (const [index, delay] of delays.entries()) {
    const signal = index % 2 === 0 ? 'SIGINT' : 'SIGTERM';
    const dir = await freshRoot();
    const before = await snapshot(dir);
    const outcome = await interrupt(args, dir, prefix, signal, delay);
    // The handlers are installed before any staging directory exists, so a process killed by the
    // signal itself was past its work, in Node's exit, where the default disposition is back.
    const killedInExit = outcome.code === null && outcome.signal === signal;
    if (outcome.finishedFirst || outcome.code === 0 || killedInExit) {
      // Too slow to catch this run: it must then have completed properly.
      if (!killedInExit) expect(outcome.code, outcome.stderr).toBe(0);
      await whenFinished(dir);
      continue;
    }
    interrupted += 1;
    expect({ delay, signal, code: outcome.code }, outcome.stderr).toEqual({ delay, signal, code: EXIT[signal] });
    expect(outcome.stderr).toContain('INTERRUPTED');
    expect(outcome.stderr).not.toMatch(/internal error|\n\s+at /);
    // Out dir, ledger and every other file as before: no staging directory, no temporary file.
    expect(await snapshot(dir)).toEqual(before);
  }
  // Most delays must land while the command runs, or the test proves nothing.
  expect(interrupted).toBeGreaterThanOrEqual(delays.length - 1);
}

describe('an interrupted fwkit build', () => {
  it(
    'exits 130/143 and leaves the out dir as it was, whatever step the signal hits',
    async () => {
      await expectInterruptions(
        ['build', '--all', '--keys', 'keys.example', '--out', 'out'],
        '.fwkit-build-',
        [0, 0.1, 0.3, 0.55, 0.8],
        async (dir) => {
          expect(await readdir(join(dir, 'out'))).toContain('thermal-t640');
        },
      );
    },
    RUNS_TIMEOUT,
  );
});

describe('an interrupted fwkit release', () => {
  it(
    'exits 130/143 and leaves the out dir and the ledger byte for byte as they were',
    async () => {
      await expectInterruptions(
        ['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', 'out'],
        '.fwkit-release-',
        [0, 0.15, 0.45, 0.75],
        async (dir) => {
          expect(await readdir(join(dir, 'out'))).toContain('thermal-t640');
        },
      );
    },
    RUNS_TIMEOUT,
  );
});
