import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fwkit, REPO, type RunResult } from './helpers.js';

// Issue 10: per-command help. `fwkit <command> --help` and `fwkit help <command>` print that
// command's usage alone (packages/release/cli/src/usage.ts is its one source); a usage error prints
// its coded line and that usage on stderr, exit 2; `fwkit --help` keeps the overview.

const COMMANDS = ['build', 'release', 'ledger', 'matrix', 'verify', 'inspect', 'keys', 'root'];

describe('per-command help', () => {
  it('fwkit <command> --help, -h and fwkit help <command> print only that command, with options and examples, exit 0', async () => {
    for (const command of COMMANDS) {
      const shown = await fwkit([command, '--help']);
      expect([shown.code, shown.stderr], command).toEqual([0, '']);
      expect(shown.stdout).toMatch(new RegExp(`^Usage: fwkit ${command} `));
      expect(shown.stdout).toContain('Options:');
      expect(shown.stdout).toContain(`Examples:\n  fwkit ${command}`);
      // Its synopsis lines name this command only.
      const named = [...shown.stdout.matchAll(/^(?:Usage:| {6}) fwkit (\w+)/gm)].map((m) => m[1]);
      expect(new Set(named), command).toEqual(new Set([command]));
      expect((await fwkit([command, '-h'])).stdout).toBe(shown.stdout);
      expect((await fwkit(['help', command])).stdout).toBe(shown.stdout);
    }
  });

  it('fwkit --help keeps the overview of every command; no command at all is a usage error with it on stderr', async () => {
    const overview = await fwkit(['--help']);
    expect(overview.code).toBe(0);
    for (const command of [...COMMANDS, 'device provision', 'device install']) expect(overview.stdout).toContain(`fwkit ${command} `);
    for (const args of [['help'], ['-h']]) expect((await fwkit(args)).stdout).toBe(overview.stdout);
    const none = await fwkit([]);
    expect([none.code, none.stdout, none.stderr.trim()]).toEqual([2, '', overview.stdout.trim()]);
  });

  it('device help is the same through every door: fwkit device <sub> --help, fwkit help device <sub>', async () => {
    for (const sub of ['provision', 'install', 'boot', 'status', 'commit', 'revert', 'recover']) {
      const own = await fwkit(['device', sub, '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: fwkit device ${sub} <device-dir>`));
      expect((await fwkit(['help', 'device', sub])).stdout).toBe(own.stdout);
    }
    const device = await fwkit(['device', '--help']);
    expect((await fwkit(['help', 'device'])).stdout).toBe(device.stdout);
  });

  it("a usage error prints USAGE: <why> and only that command's usage on stderr, exit 2, nothing on stdout", async () => {
    const build = (await fwkit(['build', '--help'])).stdout;
    for (const args of [
      ['build', '--bogus'],
      ['build', '--all'],
    ]) {
      const refused = await fwkit(args);
      expect([refused.code, refused.stdout]).toEqual([2, '']);
      expect(refused.stderr).toMatch(/^fwkit: USAGE: .+\n\n/);
      expect(refused.stderr.slice(refused.stderr.indexOf('\n\n') + 2).trim()).toBe(build.trim());
    }
    const inspect = await fwkit(['inspect']);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain('fwkit: USAGE: inspect takes exactly one image path');
    expect(inspect.stderr).toContain('fwkit inspect <image>');
    expect(inspect.stderr).not.toContain('fwkit build');
    const provision = await fwkit(['device', 'provision', 'cam']);
    expect(provision.code).toBe(2);
    expect(provision.stderr).toMatch(/^fwkit device: USAGE: provision needs --model\n\nUsage: fwkit device provision/);
    const unknown = await fwkit(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fwkit: USAGE: unknown command "frobnicate"\n\nfwkit — /);
  });
});

describe('fwkit-device (the device bundle) answers help the same way', () => {
  const BUNDLE = join(REPO, 'dist', 'device', 'fwkit-device.mjs');
  const device = (args: readonly string[]): Promise<RunResult> =>
    new Promise((done) => {
      execFile(process.execPath, [BUNDLE, ...args], (error, stdout, stderr) => {
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
      });
    });

  it("verify --help and help <command> print that command only; a usage error of verify prints verify's usage", async () => {
    const verify = await device(['verify', '--help']);
    expect([verify.code, verify.stderr]).toEqual([0, '']);
    expect(verify.stdout).toMatch(/^Usage: fwkit-device verify <image> --trust <root\.json> --device <device\.json>/);
    expect(verify.stdout).not.toContain('fwkit-device install');
    expect((await device(['help', 'verify'])).stdout).toBe(verify.stdout);
    const install = await device(['install', '--help']);
    expect(install.stdout).toMatch(/^Usage: fwkit-device install <device-dir>/);
    expect((await device(['help', 'install'])).stdout).toBe(install.stdout);
    const refused = await device(['verify', 'image.fwimg']);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toBe(`fwkit-device: USAGE: verify needs --trust <root.json>\n\n${verify.stdout}`);
    const none = await device([]);
    expect([none.code, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toBe((await device(['--help'])).stdout);
  });
});
