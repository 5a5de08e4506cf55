import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFiles } from '@fwkit/release-signing';
import { describeWithTools, itWithTools } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, fwkit, REPO, snapshot, type RunResult } from './helpers.js';

// `fwkit root init / sign / show`, encrypted keys with their passphrase, key file modes and the
// key directory of `keys generate`: what a release engineer does with their own keys.

const EPOCH = '1767225600'; // 2026-01-01T00:00:00Z
const NOW = '2026-12-04T00:00:00Z';
const EXPIRES = '2036-01-01T00:00:00Z';
const PASSPHRASE = 'pink elephants at dawn 7';
let dir: string;
let keys: string;
let model: string;

const codeOf = (r: RunResult): unknown => (JSON.parse(r.stdout) as { code?: unknown }).code;
const pub = (name: string) => join(keys, `${name}.pub.pem`);
const priv = (name: string) => join(keys, `${name}.key.pem`);

/** An encrypted PKCS#8 Ed25519 key (AES-256-CBC, as `openssl genpkey -aes256` writes) and its public key, mode 0600. */
async function encryptedKeyFiles(name: string, passphrase: string): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase });
  await writeFile(priv(name), pem, { mode: 0o600 });
  await writeFile(pub(name), publicKey.export({ type: 'spki', format: 'pem' }));
}

function initArgs(out: string, extra: string[] = []): string[] {
  return [
    'root',
    'init',
    '--out',
    out,
    '--expires',
    EXPIRES,
    ...['root-1', 'root-2', 'root-3'].flatMap((n) => ['--root', pub(n)]),
    '--root-threshold',
    '2',
    '--targets',
    pub('targets-1'),
    '--snapshot',
    pub('snapshot-1'),
    '--timestamp',
    pub('timestamp-1'),
    ...extra,
  ];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-root-'));
  keys = join(dir, 'keys');
  for (const name of ['root-1', 'root-2', 'root-3', 'snapshot-1', 'timestamp-1']) await generateKeyFiles(keys, name);
  await encryptedKeyFiles('targets-1', PASSPHRASE);
  model = (await readdir(join(REPO, 'products'))).sort()[0] ?? '';
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fwkit root', () => {
  it('init → signed by 2 of 3 root key holders in turn → show says the threshold is met → build and verify with that root', async () => {
    const root = join(dir, 'root.json');
    const init = await fwkit([...initArgs(root), '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({
      version: 1,
      expires: EXPIRES,
      consistentSnapshot: false,
      roles: { root: { threshold: 2 }, targets: { threshold: 1 } },
      signatures: { threshold: 2, valid: 0, thresholdMet: false },
    });
    expect(JSON.parse(await readFile(root, 'utf8'))).toMatchObject({ signed: { _type: 'root', spec_version: '1.0.31' }, signatures: [] });

    const first = await fwkit(['root', 'sign', root, '--key', priv('root-2')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/1 of 2 needed root signature\(s\): threshold NOT met — 1 more needed/);
    const second = await fwkit(['root', 'sign', root, '--key', priv('root-3'), '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ signatures: { valid: 2, thresholdMet: true } });

    const show = await fwkit(['root', 'show', root]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^root\s+2 of 3\s+[0-9a-f]{64}\s+missing$/m);
    expect(show.stdout.match(/\svalid$/gm)).toHaveLength(2);
    expect(show.stdout).toMatch(/^targets\s+1 of 1\s+[0-9a-f]{64}$/m);
    expect(show.stdout).toContain('2 of 2 needed root signature(s): threshold met — this root counts');
    expect(show.stdout).toContain(`expires ${EXPIRES}`);

    // The targets key is encrypted: its passphrase comes from the environment.
    const out = join(dir, 'out');
    const build = await fwkit(
      ['build', '--product', model, '--key', priv('targets-1'), '--trust', root, '--out', out, '--no-cache', '--json'],
      { env: { SOURCE_DATE_EPOCH: EPOCH, FWKIT_KEY_PASSPHRASE: PASSPHRASE } },
    );
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout + build.stderr).not.toContain(PASSPHRASE);
    const [image] = (await readdir(join(out, model))).filter((n) => n.endsWith('.fwimg'));
    const verify = await fwkit(['verify', join(out, model, image ?? ''), '--trust', root, '--any-device', '--now', NOW, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });

    // The same root with one root signature fewer: verify refuses it, and so does build.
    const doc = JSON.parse(await readFile(root, 'utf8')) as { signatures: unknown[] };
    const half = join(dir, 'root-half.json');
    await writeFile(half, JSON.stringify({ ...doc, signatures: doc.signatures.slice(1) }));
    const refused = await fwkit(['verify', join(out, model, image ?? ''), '--trust', half, '--any-device', '--now', NOW, '--json']);
    expect(refused.code).toBe(1);
    expect(codeOf(refused)).toBe('TRUST_ROOT_SIGNATURE');
    const before = await snapshot(out);
    const buildRefused = await fwkit(
      ['build', '--product', model, '--key', priv('targets-1'), '--trust', half, '--out', out, '--no-cache', '--json'],
      {
        env: { SOURCE_DATE_EPOCH: EPOCH, FWKIT_KEY_PASSPHRASE: PASSPHRASE },
      },
    );
    expect(codeOf(buildRefused)).toBe('TRUST_ROOT_SIGNATURE');
    expect(await snapshot(out)).toEqual(before);
  }, 120_000);

  it('init refuses bad thresholds, unknown or wrong key files, duplicate keys and a past expiry, and writes nothing', async () => {
    const out = join(dir, 'refused', 'root.json');
    await mkdir(join(dir, 'refused'));
    const cases: [string[], number, string | undefined][] = [
      [['--root-threshold', '0'], 1, 'ROOT_OPTIONS_INVALID'],
      [['--root-threshold', '4'], 1, 'ROOT_OPTIONS_INVALID'],
      [['--targets-threshold', '2'], 1, 'ROOT_OPTIONS_INVALID'],
      [['--root-threshold', 'two'], 2, 'USAGE'],
      [['--targets', join(dir, 'no-such.pub.pem'), '--targets-threshold', '1'], 1, 'KEY_NOT_FOUND'],
      [['--snapshot', priv('snapshot-1'), '--snapshot-threshold', '1'], 1, 'KEY_INVALID'],
      [['--root', pub('root-1')], 1, 'ROOT_OPTIONS_INVALID'],
      [['--expires', '2020-01-01T00:00:00Z'], 1, 'ROOT_OPTIONS_INVALID'],
      [['--expires', '2030-01-01'], 2, 'USAGE'],
      [['--version', '0'], 2, 'USAGE'],
    ];
    for (const [extra, exit, code] of cases) {
      // Later options replace earlier single ones; a repeated --root/--targets adds a key.
      const args = initArgs(out, extra);
      const result = await fwkit([...args, '--json']);
      expect([extra, result.code], result.stderr).toEqual([extra, exit]);
      expect([extra, codeOf(result)]).toEqual([extra, code]);
    }
    // Several root keys need their threshold said out loud (1 of 3 is not a default).
    const noThreshold = initArgs(out).filter((a, i, all) => a !== '--root-threshold' && all[i - 1] !== '--root-threshold');
    expect((await fwkit(noThreshold)).code).toBe(2);
    expect(await readdir(join(dir, 'refused'))).toEqual([]);

    // An existing root.json (perhaps holding signatures) is never replaced.
    await writeFile(out, 'precious');
    expect(codeOf(await fwkit([...initArgs(out), '--json']))).toBe('OUTPUT_EXISTS');
    expect(await readFile(out, 'utf8')).toBe('precious');
  });

  it('sign refuses a key that is not a root key, a loose key file and a wrong passphrase, and leaves root.json as it was', async () => {
    const root = join(dir, 'root-sign.json');
    expect((await fwkit(initArgs(root))).code).toBe(0);
    const before = await readFile(root);
    expect(codeOf(await fwkit(['root', 'sign', root, '--key', priv('snapshot-1'), '--json']))).toBe('ROOT_SIGNER_UNKNOWN');
    const loose = join(dir, 'loose-root-1.key.pem');
    await copyFile(priv('root-1'), loose);
    await chmod(loose, 0o640);
    const refused = await fwkit(['root', 'sign', root, '--key', loose, '--json']);
    expect(codeOf(refused)).toBe('KEY_PERMISSIONS');
    expect(refused.stderr).toContain(`chmod 600 ${loose}`);
    expect((await fwkit(['root', 'sign', root, '--key', priv('root-1'), '--key', priv('root-2')])).code).toBe(2);
    expect(await readFile(root)).toEqual(before);
  });

  it('show reports the example root: threshold met, EXAMPLE keys', async () => {
    const show = await fwkit(['root', 'show', 'keys.example/root.json', '--now', NOW]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('1 of 1 needed root signature(s): threshold met');
    expect(show.stdout).toContain('Uses EXAMPLE keys');
    const expired = await fwkit(['root', 'show', 'keys.example/root.json', '--now', '2036-01-01T00:00:00Z', '--json']);
    expect(JSON.parse(expired.stdout)).toMatchObject({ expired: true, exampleKeys: true });
  });
});

describe('passphrases of encrypted keys', () => {
  let root: string;
  beforeAll(async () => {
    root = join(dir, 'root-pass.json');
    await encryptedKeyFiles('root-enc', PASSPHRASE);
    const init = await fwkit([
      'root',
      'init',
      '--out',
      root,
      '--expires',
      EXPIRES,
      '--root',
      pub('root-enc'),
      '--targets',
      pub('targets-1'),
      '--snapshot',
      pub('snapshot-1'),
      '--timestamp',
      pub('timestamp-1'),
    ]);
    expect(init.code, init.stderr).toBe(0);
  });

  /** `fwkit root sign` with the passphrase written to its fd 3 by this process, a little after it started. */
  function signWithFd(args: string[], passphrase: string): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args, '--passphrase-fd', '3', '--json'], {
        cwd: REPO,
        env: { ...process.env, CI: 'true', FWKIT_KEY_PASSPHRASE: undefined },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const fd3 = child.stdio[3] as NodeJS.WritableStream;
      setTimeout(() => fd3.end(`${passphrase}\n`), 200);
      child.on('close', (code) => {
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  it('reads the passphrase from a file descriptor (a real pipe from another process)', async () => {
    const wrong = await signWithFd(['root', 'sign', root, '--key', priv('root-enc')], 'not the passphrase');
    expect(codeOf(wrong)).toBe('KEY_PASSPHRASE_WRONG');
    expect(wrong.stdout + wrong.stderr).not.toContain('not the passphrase');
    const signed = await signWithFd(['root', 'sign', root, '--key', priv('root-enc')], PASSPHRASE);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ signatures: { valid: 1, thresholdMet: true } });
    expect(signed.stdout + signed.stderr).not.toContain(PASSPHRASE);
  });

  it('reads it from FWKIT_KEY_PASSPHRASE; a missing or wrong one is a coded error that never shows it', async () => {
    const missing = await fwkit(['root', 'sign', root, '--key', priv('root-enc'), '--json'], {
      env: { FWKIT_KEY_PASSPHRASE: undefined as unknown as string },
    });
    expect(codeOf(missing)).toBe('KEY_PASSPHRASE_REQUIRED');
    const wrong = await fwkit(['root', 'sign', root, '--key', priv('root-enc'), '--json'], {
      env: { FWKIT_KEY_PASSPHRASE: 'Tr0ub4dor&3' },
    });
    expect(wrong.code).toBe(1);
    expect(codeOf(wrong)).toBe('KEY_PASSPHRASE_WRONG');
    expect(wrong.stdout + wrong.stderr).not.toContain('Tr0ub4dor');
    const ok = await fwkit(['root', 'sign', root, '--key', priv('root-enc'), '--json'], { env: { FWKIT_KEY_PASSPHRASE: PASSPHRASE } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(PASSPHRASE);
    const badFd = await fwkit(['root', 'sign', root, '--key', priv('root-enc'), '--passphrase-fd', '57', '--json']);
    expect(codeOf(badFd)).toBe('KEY_PASSPHRASE_UNREADABLE');
  });

  it('refuses a passphrase given as an argument, without repeating it (exit 2)', async () => {
    for (const args of [
      ['root', 'sign', root, '--key', priv('root-enc'), '--passphrase', 'hunter2-secret'],
      ['build', '--all', '--keys', 'keys.example', '--passphrase=hunter2-secret'],
    ]) {
      const result = await fwkit([...args, '--json']);
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
      expect(result.stderr).toContain('FWKIT_KEY_PASSPHRASE');
    }
  });
});

describeWithTools('openssl', 'keys made by openssl genpkey -aes256', () => {
  it('an encrypted key openssl made signs a root with its passphrase; its mode is checked too', async () => {
    const key = join(dir, 'openssl-root.key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', `pass:${PASSPHRASE}`, '-out', key]);
    await chmod(key, 0o600);
    const pubPem = execFileSync('openssl', ['pkey', '-in', key, '-passin', `pass:${PASSPHRASE}`, '-pubout'], { encoding: 'utf8' });
    await writeFile(join(dir, 'openssl-root.pub.pem'), pubPem);
    const root = join(dir, 'root-openssl.json');
    const args = initArgs(root).map((a) => (a === pub('root-1') ? join(dir, 'openssl-root.pub.pem') : a));
    expect((await fwkit(args)).code).toBe(0);
    const signed = await fwkit(['root', 'sign', root, '--key', key, '--json'], { env: { FWKIT_KEY_PASSPHRASE: PASSPHRASE } });
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ signatures: { valid: 1, thresholdMet: false } });
    await chmod(key, 0o644);
    expect(codeOf(await fwkit(['root', 'sign', root, '--key', key, '--json'], { env: { FWKIT_KEY_PASSPHRASE: PASSPHRASE } }))).toBe(
      'KEY_PERMISSIONS',
    );
  });
});

describe('fwkit keys generate: the key directory', () => {
  it('writes into keys/ by default, made with mode 0700', async () => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    const made = await fwkit(['keys', 'generate', '--name', 'targets-9', '--json'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ privateKeyPath: join(cwd, 'keys', 'targets-9.key.pem') });
    expect((await stat(join(cwd, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await readdir(cwd)).toEqual(['keys']);
  });

  itWithTools('git', '.gitignore covers *.key.pem everywhere but keys.example/', async () => {
    const repo = await mkdtemp(join(dir, 'git-'));
    await copyFile(join(REPO, '.gitignore'), join(repo, '.gitignore'));
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const ignored = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: repo });
        return true;
      } catch {
        return false;
      }
    };
    for (const path of ['keys/targets-1.key.pem', 'targets-1.key.pem', 'products/cam/secret.key.pem', 'keys.example/sub/x.key.pem']) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
    for (const path of ['keys.example/root-1.key.pem', 'keys/targets-1.pub.pem', 'keys/root.json']) {
      expect([path, ignored(path)]).toEqual([path, false]);
    }
  });
});
