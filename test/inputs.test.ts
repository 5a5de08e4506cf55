import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCheckout, describeWithTools, itWithTools } from '@fwkit/test-utils';
import { REPO, fwkit, fieldDevice, type RunResult } from './helpers.js';

// Every input the CLI reads, given as something hostile or broken: a coded refusal (exit 1), at
// once (each test has a timeout, so a hang fails instead of blocking), naming no content.

const EPOCH = '1767225600'; // 2026-01-01
const ROOT_JSON = join(REPO, 'keys.example', 'root.json');
const KEY_PEM = join(REPO, 'keys.example', 'targets-1.key.pem');
const MiB = 1024 * 1024;

const temps: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(prefix = 'fwkit-inputs-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** The JSON error report of a failed run: `--json` puts `{ ok: false, code }` on stdout. */
function codeOf(result: RunResult): string {
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.code).toBe(1);
  return (JSON.parse(result.stdout) as { code: string }).code;
}

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** A process that holds `fifo` open for writing and keeps writing into it, until the tests end. */
async function writerOn(fifo: string): Promise<void> {
  const child = spawn('sh', ['-c', `exec 3>"${fifo}"; while :; do echo '{"a":1}' >&3 2>/dev/null; sleep 0.05; done`], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const verify = (image: string, extra: string[] = []) =>
  fwkit(['verify', image, '--trust', ROOT_JSON, '--any-device', '--json', ...extra], { env: { SOURCE_DATE_EPOCH: EPOCH } });

describe('special files as inputs are refused on the open descriptor, without blocking', { timeout: 20_000 }, () => {
  let dir: string;
  let garbage: string;
  beforeAll(async () => {
    dir = await tempDir();
    garbage = join(dir, 'garbage.fwimg');
    await writeFile(garbage, 'not an image');
  });

  itWithTools('mkfifo', 'a FIFO as the image (verify and inspect), with and without a writer', async () => {
    const fifo = mkfifo(join(dir, 'image.fifo'));
    expect(codeOf(await verify(fifo))).toBe('INPUT_NOT_REGULAR');
    expect(codeOf(await fwkit(['inspect', fifo, '--json']))).toBe('INPUT_NOT_REGULAR');
    await writerOn(fifo);
    expect(codeOf(await verify(fifo))).toBe('INPUT_NOT_REGULAR');
  });

  it('a directory as the image', async () => {
    expect(codeOf(await verify(dir))).toBe('INPUT_NOT_REGULAR');
    expect(codeOf(await fwkit(['inspect', dir, '--json']))).toBe('INPUT_NOT_REGULAR');
  });

  itWithTools('mkfifo', 'a FIFO as --trust, with and without a writer', async () => {
    const fifo = mkfifo(join(dir, 'trust.fifo'));
    const run = () => fwkit(['verify', garbage, '--trust', fifo, '--any-device', '--json']);
    expect(codeOf(await run())).toBe('INPUT_NOT_REGULAR');
    await writerOn(fifo);
    expect(codeOf(await run())).toBe('INPUT_NOT_REGULAR');
  });

  itWithTools('mkfifo', 'a FIFO as --device', async () => {
    const fifo = mkfifo(join(dir, 'device.fifo'));
    expect(codeOf(await fwkit(['verify', garbage, '--trust', ROOT_JSON, '--device', fifo, '--json']))).toBe('INPUT_NOT_REGULAR');
  });

  itWithTools('mkfifo', 'a FIFO as a private key (--key)', async () => {
    const fifo = mkfifo(join(dir, 'key.fifo'));
    const result = await fwkit(['build', '--all', '--key', fifo, '--trust', ROOT_JSON, '--out', join(dir, 'out'), '--json'], {
      env: { SOURCE_DATE_EPOCH: EPOCH },
    });
    expect(codeOf(result)).toBe('INPUT_NOT_REGULAR');
  });

  itWithTools('mknod', 'a character device as --trust (mknod in a temp dir; needs root)', async () => {
    const device = join(dir, 'zero');
    execFileSync('mknod', [device, 'c', '1', '5']); // what /dev/zero is: endless bytes
    // On a nodev mount open(2) fails instead (INPUT_UNREADABLE): refused either way, never read.
    expect(codeOf(await fwkit(['verify', garbage, '--trust', device, '--any-device', '--json']))).toMatch(
      /^INPUT_(NOT_REGULAR|UNREADABLE)$/,
    );
  });
});

describe('size limits, enforced by the read', { timeout: 20_000 }, () => {
  it('a sparse 2 GB --trust file is INPUT_TOO_LARGE, quickly', async () => {
    const path = join(await tempDir(), 'root.json');
    await writeFile(path, '');
    await truncate(path, 2 ** 31);
    const started = performance.now();
    expect(codeOf(await fwkit(['verify', path, '--trust', path, '--any-device', '--json']))).toBe('INPUT_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a valid root padded with whitespace past 1 MiB is INPUT_TOO_LARGE; padded to exactly 1 MiB it is read', async () => {
    const dir = await tempDir();
    const root = await readFile(ROOT_JSON);
    const padded = (size: number) => Buffer.concat([root, Buffer.alloc(size - root.length, 0x20)]);
    await writeFile(join(dir, 'over.json'), padded(MiB + 1));
    await writeFile(join(dir, 'exact.json'), padded(MiB));
    await writeFile(join(dir, 'image'), 'not an image');
    const run = (trust: string) => fwkit(['verify', join(dir, 'image'), '--trust', join(dir, trust), '--any-device', '--json']);
    expect(codeOf(await run('over.json'))).toBe('INPUT_TOO_LARGE');
    // The root is accepted; what fails then is the image.
    expect(codeOf(await run('exact.json'))).not.toMatch(/^(INPUT_|JSON_|SCHEMA_)/);
  });

  it('a device.json past 64 KiB is INPUT_TOO_LARGE', async () => {
    const dir = await tempDir();
    const device = await fieldDevice(REPO, 'ptz-4k', undefined, { firmware: '1.0.0', security: 1 });
    await writeFile(join(dir, 'device.json'), JSON.stringify(device) + ' '.repeat(64 * 1024));
    expect(codeOf(await fwkit(['verify', ROOT_JSON, '--trust', ROOT_JSON, '--device', join(dir, 'device.json'), '--json']))).toBe(
      'INPUT_TOO_LARGE',
    );
  });
});

describe('parse errors never echo the content', { timeout: 20_000 }, () => {
  it('a private key given as --trust: JSON_INVALID, and not a character of the key in the output', async () => {
    const result = await fwkit(['verify', ROOT_JSON, '--trust', KEY_PEM, '--any-device', '--json']);
    expect(codeOf(result)).toBe('JSON_INVALID');
    const pem = await readFile(KEY_PEM, 'utf8');
    const body = pem.split('\n')[1] ?? '';
    for (const needle of ['BEGIN', body.slice(0, 6), '-----']) {
      expect(result.stdout).not.toContain(needle);
      expect(result.stderr).not.toContain(needle);
    }
  });

  it('a key file with garbage: KEY_INVALID, and the garbage is not in the output', async () => {
    const dir = await tempDir();
    const secret = 'SECRETSECRET-0123456789';
    await writeFile(join(dir, 'bad.key.pem'), `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`);
    const result = await fwkit(
      ['build', '--all', '--key', join(dir, 'bad.key.pem'), '--trust', ROOT_JSON, '--out', join(dir, 'out'), '--json'],
      {
        env: { SOURCE_DATE_EPOCH: EPOCH },
      },
    );
    expect(codeOf(result)).toBe('KEY_INVALID');
    expect(result.stdout + result.stderr).not.toContain('SECRET');
  });
});

describe('duplicate keys are refused in every document kind', { timeout: 60_000 }, () => {
  /** `{"k": v, ...rest}` written back with its first key repeated at the end. */
  async function duplicateFirstKey(path: string): Promise<void> {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const [first] = Object.keys(doc).filter((k) => k !== '$schema');
    if (first === undefined) throw new Error(`${path} has no key`);
    const text = JSON.stringify(doc, null, 2);
    await writeFile(path, `${text.slice(0, -2)},\n  ${JSON.stringify(first)}: ${JSON.stringify(doc[first])}\n}\n`);
  }

  it('root.json (--trust) and device.json (--device)', async () => {
    const dir = await tempDir();
    await cp(ROOT_JSON, join(dir, 'root.json'));
    await duplicateFirstKey(join(dir, 'root.json'));
    expect(codeOf(await fwkit(['verify', ROOT_JSON, '--trust', join(dir, 'root.json'), '--any-device', '--json']))).toBe(
      'JSON_DUPLICATE_KEY',
    );
    const device = await fieldDevice(REPO, 'ptz-4k', undefined, { firmware: '1.0.0', security: 1 });
    await writeFile(join(dir, 'device.json'), JSON.stringify(device));
    await duplicateFirstKey(join(dir, 'device.json'));
    expect(codeOf(await fwkit(['verify', ROOT_JSON, '--trust', ROOT_JSON, '--device', join(dir, 'device.json'), '--json']))).toBe(
      'JSON_DUPLICATE_KEY',
    );
  });

  const CHECKOUT_DOCUMENTS = [
    'releases/ledger.json',
    'release.json',
    'platform/platform.json',
    'platform/package.json',
    'products/ptz-4k/product.json',
    'package-lock.json',
  ];

  async function checkout(): Promise<string> {
    return copyCheckout(await tempDir('fwkit-inputs-checkout-'));
  }

  it.each(CHECKOUT_DOCUMENTS)('%s (fwkit matrix and fwkit release), and nothing is written', async (document) => {
    const root = await checkout();
    await duplicateFirstKey(join(root, document));
    const ledger = await readFile(join(root, 'releases', 'ledger.json'));
    const env = { SOURCE_DATE_EPOCH: EPOCH };
    expect(codeOf(await fwkit(['matrix', '--json'], { cwd: root, env }))).toBe('JSON_DUPLICATE_KEY');
    expect(
      codeOf(await fwkit(['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', 'out', '--json'], { cwd: root, env })),
    ).toBe('JSON_DUPLICATE_KEY');
    expect((await readFile(join(root, 'releases', 'ledger.json'))).equals(ledger)).toBe(true);
  });
});

describe('checkout files that are not regular files, or missing', { timeout: 60_000 }, () => {
  async function checkout(): Promise<string> {
    return copyCheckout(await tempDir('fwkit-inputs-checkout-'));
  }
  const env = { SOURCE_DATE_EPOCH: EPOCH };
  const release = (root: string) =>
    fwkit(['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', 'out', '--json'], { cwd: root, env });
  const matrix = (root: string) => fwkit(['matrix', '--json'], { cwd: root, env });

  itWithTools('mkfifo', 'releases/ledger.json as a directory or a FIFO: INPUT_NOT_REGULAR from release and matrix', async () => {
    const root = await checkout();
    const ledger = join(root, 'releases', 'ledger.json');
    await rm(ledger);
    await mkdir(ledger);
    expect(codeOf(await release(root))).toBe('INPUT_NOT_REGULAR');
    expect(codeOf(await matrix(root))).toBe('INPUT_NOT_REGULAR');
    await rm(ledger, { recursive: true });
    mkfifo(ledger);
    expect(codeOf(await release(root))).toBe('INPUT_NOT_REGULAR');
    expect(codeOf(await matrix(root))).toBe('INPUT_NOT_REGULAR');
  });

  it('products/<model>/product.json as a directory: INPUT_NOT_REGULAR from build, matrix and release', async () => {
    const root = await checkout();
    const product = join(root, 'products', 'ptz-4k', 'product.json');
    await rm(product);
    await mkdir(product);
    expect(codeOf(await matrix(root))).toBe('INPUT_NOT_REGULAR');
    expect(codeOf(await release(root))).toBe('INPUT_NOT_REGULAR');
    const build = await fwkit(['build', '--product', 'ptz-4k', '--keys', 'keys.example', '--out', 'out', '--json'], { cwd: root, env });
    expect(codeOf(build)).toBe('INPUT_NOT_REGULAR');
  });

  it('a missing ledger: LEDGER_NOT_FOUND from release and matrix, and no ledger is created', async () => {
    const root = await checkout();
    await rm(join(root, 'releases', 'ledger.json'));
    expect(codeOf(await release(root))).toBe('LEDGER_NOT_FOUND');
    expect(codeOf(await matrix(root))).toBe('LEDGER_NOT_FOUND');
    await expect(readFile(join(root, 'releases', 'ledger.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describeWithTools('root', 'unreadable inputs, as an unprivileged user (uid 65534)', () => {
  /** The CLI as uid/gid 65534 (root ignores file modes). */
  const asNobody = (args: string[]) => fwkit(args, { cwd: tmpdir(), asNobody: true, env: { SOURCE_DATE_EPOCH: EPOCH } });

  it('--trust, --device, the image and --key that the user may not read: INPUT_UNREADABLE / KEY_UNREADABLE', async () => {
    const dir = await tempDir();
    await chmod(dir, 0o755);
    const root = join(dir, 'root.json');
    await cp(ROOT_JSON, root);
    await chmod(root, 0o644);
    const secret = join(dir, 'secret.json');
    await cp(ROOT_JSON, secret);
    await chmod(secret, 0o600);
    const key = join(dir, 'k.key.pem');
    await cp(KEY_PEM, key);
    await chmod(key, 0o600);
    expect(codeOf(await asNobody(['verify', root, '--trust', secret, '--any-device', '--json']))).toBe('INPUT_UNREADABLE');
    expect(codeOf(await asNobody(['verify', root, '--trust', root, '--device', secret, '--json']))).toBe('INPUT_UNREADABLE');
    expect(codeOf(await asNobody(['verify', secret, '--trust', root, '--any-device', '--json']))).toBe('INPUT_UNREADABLE');
    const build = await asNobody(['build', '--all', '--repo', REPO, '--key', key, '--trust', root, '--out', join(dir, 'out'), '--json']);
    expect(codeOf(build)).toBe('KEY_UNREADABLE');
  });
});
