import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { TEST_NOW } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCheckout, dropParallel12, editJson, fwkit, REPO, type RunResult, BOOT_FLAGS } from './helpers.js';
import { makeVerifyDir } from './verify-fixture.js';

// Issue 10: one JSON shape for every command's --json output, documented by
// schemas/cli-output.schema.json. Each command runs for real, once succeeding and once failing
// (a coded error, and a usage error), and each document on stdout is validated against the schema.

const SCHEMA = JSON.parse(await readFile(join(REPO, 'schemas', 'cli-output.schema.json'), 'utf8')) as object;
// ajv 8, as the release side has it (the root's ajv is eslint's ajv 6).
interface Validator {
  (data: unknown): boolean;
  errors?: unknown;
}
const { Ajv } = createRequire(join(REPO, 'packages', 'release', 'sbom', 'package.json'))('ajv') as {
  Ajv: new (options: object) => { compile(schema: object): Validator };
};
const validate = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);
const BUNDLE = join(REPO, 'dist', 'device', 'fwkit-device.mjs');
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' }; // 2026-01-01: every model supported
const MODEL = 'ptz-4k';

interface Output {
  ok: boolean;
  code: string | null;
  message: string;
  details?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The one JSON document on stdout, valid against the schema, with the exit status that goes with it. */
function documentOf(run: RunResult): Output {
  let doc: unknown;
  try {
    doc = JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
  const output = doc as Output;
  // ok goes with exit 0; a failure's status says which kind: 1 refused, 2 usage, 3 a bug.
  expect([run.code, output.ok]).toEqual([output.ok ? 0 : output.code === 'USAGE' ? 2 : 1, output.ok]);
  return output;
}

function bundle(args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BUNDLE, ...args], { cwd }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

let work: string;
let verifyDir: string;
let image: string;
let checkout: string;
const now = TEST_NOW.toISOString();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fwkit-json-'));
  verifyDir = await makeVerifyDir('fwkit-json-verify-');
  checkout = await copyCheckout('fwkit-json-release-');
  const built = await fwkit(['build', '--product', MODEL, '--keys', 'keys.example', '--out', join(work, 'out'), '--json'], {
    env: { ...EPOCH, FWKIT_CACHE_DIR: join(work, 'cache') },
  });
  expect(built.code, built.stderr).toBe(0);
  const version = (JSON.parse(await readFile(join(REPO, 'release.json'), 'utf8')) as { firmware: string }).firmware;
  image = join(work, 'out', MODEL, `${MODEL}-${version}.fwimg`);
}, 120_000);

afterAll(async () => {
  for (const dir of [work, verifyDir, checkout]) await rm(dir, { recursive: true, force: true });
});

describe('every command prints one JSON shape with --json (schemas/cli-output.schema.json)', () => {
  it('build', async () => {
    const env = { ...EPOCH, FWKIT_CACHE_DIR: join(work, 'cache') };
    const ok = documentOf(
      await fwkit(['build', '--product', MODEL, '--keys', 'keys.example', '--out', join(work, 'out'), '--json'], { env }),
    );
    expect(ok).toMatchObject({ ok: true, code: null, images: [expect.objectContaining({ model: MODEL })] });
    const unknown = documentOf(await fwkit(['build', '--product', 'no-such-cam', '--keys', 'keys.example', '--json'], { env }));
    expect(unknown.code).toBe('BUILD_PRODUCT_UNKNOWN');
    expect(documentOf(await fwkit(['build', '--all', '--bogus', '--json'])).code).toBe('USAGE');
  });

  it('release: a release, a refusal of the example keys, and a gate refusal whose reasons appear once, in details', async () => {
    const release = (extra: string[]) =>
      fwkit(['release', '--allow-dirty', '--keys', 'keys.example', '--out', 'out', '--json', ...extra], { cwd: checkout, env: EPOCH });
    expect(documentOf(await release([])).code).toBe('RELEASE_EXAMPLE_KEYS');
    const released = documentOf(await release(['--demo']));
    expect(released).toMatchObject({
      ok: true,
      code: null,
      release: expect.objectContaining({ firmware: expect.any(String) as unknown }) as unknown,
    });
    // The same version again: refused before any work.
    expect(documentOf(await release(['--demo'])).code).toBe('RELEASE_EXISTS');
    // A next version the gate refuses: the reasons once, in details; the matrix beside them.
    await editJson(join(checkout, 'release.json'), (doc) => Object.assign(doc, { firmware: '1.4.1' }));
    await dropParallel12(checkout, '1.4.1');
    const refused = documentOf(await release(['--demo']));
    expect(refused).toMatchObject({
      code: 'RELEASE_GATE_FAILED',
      details: { reasons: expect.any(Array) as unknown },
      matrix: expect.anything() as unknown,
    });
    expect((refused.details?.['reasons'] as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it('ledger migrate', async () => {
    const current = documentOf(await fwkit(['ledger', 'migrate', '--json'], { cwd: checkout }));
    expect(current).toMatchObject({ ok: true, code: null, written: false });
    const missing = documentOf(await fwkit(['ledger', 'migrate', '--ledger', join(work, 'none.json'), '--json'], { cwd: checkout }));
    expect(missing.ok).toBe(false);
    expect(documentOf(await fwkit(['ledger', 'frob', '--json'])).code).toBe('USAGE');
  });

  it('matrix', async () => {
    const shown = documentOf(await fwkit(['matrix', '--json'], { env: EPOCH }));
    expect(shown).toMatchObject({ code: null, cells: expect.any(Array) as unknown });
    expect(documentOf(await fwkit(['matrix', '--release', '9.9.9', '--json'])).code).toBe('RELEASE_UNKNOWN');
    expect(documentOf(await fwkit(['matrix', '--format', 'html', '--json'])).code).toBe('USAGE');
  });

  it('verify', async () => {
    const args = ['verify', 'image.fwimg', '--trust', 'root.json', '--device', 'device.json', '--now', now, '--json'];
    expect(documentOf(await fwkit(args, { cwd: verifyDir }))).toMatchObject({ ok: true, code: null });
    const wrongModel = documentOf(
      await fwkit(['verify', image, '--trust', 'root.json', '--device', 'device.json', '--now', now, '--json'], { cwd: verifyDir }),
    );
    expect(wrongModel.ok).toBe(false);
    expect(documentOf(await fwkit(['verify', 'image.fwimg', '--json'], { cwd: verifyDir })).code).toBe('USAGE');
  });

  it('inspect has ok, code and message, and the identity, file digest and size', async () => {
    const shown = documentOf(await fwkit(['inspect', 'image.fwimg', '--json'], { cwd: verifyDir }));
    expect(shown).toMatchObject({
      ok: true,
      code: null,
      manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      imageBytes: expect.any(Number) as unknown,
    });
    expect(shown.message).toContain(shown['manifestSha256'] as string);
    const missing = documentOf(await fwkit(['inspect', 'no-such.fwimg', '--json'], { cwd: verifyDir }));
    expect(missing.ok).toBe(false);
    const text = documentOf(await fwkit(['inspect', 'root.json', '--json'], { cwd: verifyDir }));
    expect(text.ok).toBe(false);
  });

  it('keys generate', async () => {
    const made = documentOf(await fwkit(['keys', 'generate', '--name', 'k1', '--out', join(work, 'keys'), '--json']));
    expect(made).toMatchObject({ ok: true, code: null, keyid: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    // A file where the key directory should be: a coded error, not a bug.
    await writeFile(join(work, 'not-a-dir'), '');
    const blocked = documentOf(await fwkit(['keys', 'generate', '--name', 'k1', '--out', join(work, 'not-a-dir'), '--json']));
    expect(blocked.ok).toBe(false);
    expect(documentOf(await fwkit(['keys', 'generate', '--name', '../x', '--json'])).code).toBe('USAGE');
  });

  it('root show, init and sign', async () => {
    expect(documentOf(await fwkit(['root', 'show', 'keys.example/root.json', '--json']))).toMatchObject({
      ok: true,
      code: null,
      version: 1,
    });
    const notRoot = documentOf(await fwkit(['root', 'show', 'release.json', '--json']));
    expect(notRoot.ok).toBe(false);
    const out = join(work, 'root.json');
    const init = await fwkit([
      'root',
      'init',
      '--out',
      out,
      '--expires',
      '2030-01-01T00:00:00Z',
      ...['root', 'targets', 'snapshot', 'timestamp'].flatMap((role) => [`--${role}`, join(work, 'keys', 'k1.pub.pem')]),
      '--json',
    ]);
    expect(documentOf(init)).toMatchObject({ ok: true, code: null });
    expect(documentOf(await fwkit(['root', 'sign', out, '--key', join(work, 'keys', 'k1.key.pem'), '--json']))).toMatchObject({ ok: true });
    expect(documentOf(await fwkit(['root', 'sign', out, '--json'])).code).toBe('USAGE');
  });

  it('device provision, status, boot, install, commit, revert and recover (fwkit device and fwkit-device alike)', async () => {
    const dir = join(work, 'cam');
    const provision = (target: string) =>
      fwkit([
        'device',
        'provision',
        target,
        '--model',
        MODEL,
        '--hw',
        'A',
        '--image',
        image,
        '--trust',
        'keys.example/root.json',
        '--now',
        now,
        '--json',
      ]);
    const provisioned = documentOf(await provision(dir));
    expect(provisioned).toMatchObject({
      ok: true,
      code: null,
      status: expect.objectContaining({ state: expect.any(String) as unknown }) as unknown,
    });
    expect(documentOf(await provision(dir)).code).toBe('DEVICE_EXISTS');
    expect(documentOf(await fwkit(['device', 'provision', join(work, 'cam2'), '--json'])).code).toBe('USAGE');

    expect(documentOf(await fwkit(['device', 'status', dir, '--json']))).toMatchObject({ ok: true, code: null });
    expect(documentOf(await bundle(['status', dir, '--json'], work))).toMatchObject({ ok: true, code: null });
    expect(documentOf(await fwkit(['device', 'status', join(work, 'none'), '--json'])).ok).toBe(false);
    expect(documentOf(await fwkit(['device', 'boot', dir, ...BOOT_FLAGS, '--json']))).toMatchObject({
      ok: true,
      boot: expect.anything() as unknown,
    });
    const install = ['install', dir, '--image', image, '--now', now, '--json'];
    expect(documentOf(await fwkit(['device', ...install]))).toMatchObject({ ok: true, install: expect.anything() as unknown });
    expect(documentOf(await bundle(['revert', dir, '--json'], work))).toMatchObject({ ok: true, code: null });
    expect(documentOf(await bundle(install, work))).toMatchObject({ ok: true, code: null });
    expect(documentOf(await fwkit(['device', 'commit', dir, '--json']))).toMatchObject({ ok: true, code: null });
    // Nothing pending, nothing broken, not an image: each is refused with a code, and the device's status beside it.
    for (const args of [
      ['install', dir, '--image', join(REPO, 'release.json')],
      ['commit', dir],
      ['revert', dir],
      ['recover', dir, '--image', image, '--now', now],
    ]) {
      const refused = documentOf(await fwkit(['device', ...args, '--json']));
      expect(refused.ok, args.join(' ')).toBe(false);
      expect(refused).toHaveProperty('status');
      const same = documentOf(await bundle([...args, '--json'], work));
      expect(same.code).toBe(refused.code);
    }
    expect(documentOf(await fwkit(['device', 'commit', '--json'])).code).toBe('USAGE');
  }, 60_000);

  it('fwkit-device verify, and errors of either CLI: a schema error lists its issues once, in details', async () => {
    const args = ['verify', 'image.fwimg', '--trust', 'root.json', '--device', 'device.json', '--now', now, '--json'];
    expect(documentOf(await bundle(args, verifyDir))).toMatchObject({ ok: true, code: null });
    await writeFile(join(verifyDir, 'bad-device.json'), JSON.stringify({ schemaVersion: 1 }));
    const bad = ['verify', 'image.fwimg', '--trust', 'root.json', '--device', 'bad-device.json', '--now', now, '--json'];
    for (const run of [await fwkit(bad, { cwd: verifyDir }), await bundle(bad, verifyDir)]) {
      const invalid = documentOf(run);
      expect(invalid.code).toBe('SCHEMA_INVALID');
      expect(invalid.details).toMatchObject({ issues: expect.any(Array) as unknown });
    }
    expect(documentOf(await bundle(['verify', '--json'], verifyDir)).code).toBe('USAGE');
    expect(documentOf(await fwkit(['frobnicate', '--json'])).code).toBe('USAGE');
  });
});
