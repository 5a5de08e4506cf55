import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceIdentityFromJSON } from '@fwkit/device-core';
import { exampleDeviceOf, productManifestFromJSON } from '@fwkit/release-core';
import { privateKeyToPem } from '@fwkit/release-signing';
import { itWithTools, testKeys } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldDevice, fwkit, REPO } from './helpers.js';

const EPOCH = '1767225600'; // 2026-01-01T00:00:00Z
const NOW = '2026-11-27T00:00:00Z';
let out: string;
let version: string;
let products: string[];
let buildOutput: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'fwkit-cli-'));
  version = (JSON.parse(await readFile(join(REPO, 'release.json'), 'utf8')) as { firmware: string }).firmware;
  products = (await readdir(join(REPO, 'products'), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const built = await fwkit(['build', '--all', '--keys', 'keys.example', '--out', out, '--json'], { env: { SOURCE_DATE_EPOCH: EPOCH } });
  // Into a pipe, progress is one plain line per step ([n/N] model: step), nothing else.
  expect(built.stderr.split('\n').filter((line) => line !== '' && !/^\[\d+\/\d+\] [\w-]+: /.test(line))).toEqual([]);
  expect(built.code).toBe(0);
  buildOutput = built.stdout;
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const imageOf = (model: string) => join(out, model, `${model}-${version}.fwimg`);

describe('fwkit build', () => {
  it('builds, signs and verifies every product, reporting JSON on stdout', async () => {
    const report = JSON.parse(buildOutput) as {
      ok: boolean;
      images: { model: string; firmware: string; verified: boolean; fileSha256: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.images.map((i) => i.model).sort()).toEqual(products);
    expect(report.images.every((i) => i.verified)).toBe(true);
    expect(report.images.every((i) => i.firmware === version)).toBe(true);
    for (const image of report.images) {
      const bytes = await readFile(imageOf(image.model));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.fileSha256);
      expect((await stat(join(out, image.model, `${image.model}-${version}.cdx.json`))).size).toBeGreaterThan(0);
    }
  });

  it('prints a table with one row per product for people', async () => {
    const result = await fwkit(['build', '--product', products[0] ?? '', '--keys', 'keys.example', '--out', out], {
      env: { SOURCE_DATE_EPOCH: EPOCH },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/MODEL\s+VERSION\s+IMAGE SIZE\s+IDENTITY\s+VERIFIED/);
    expect(result.stdout).toContain(products[0]);
    expect(result.stdout).toMatch(/EXAMPLE keys/);
  });

  it('rejects an unknown product with a code and exit 1, and a bad command line with exit 2', async () => {
    const unknown = await fwkit(['build', '--product', 'no-such-cam', '--keys', 'keys.example', '--out', out, '--json'], {
      env: { SOURCE_DATE_EPOCH: EPOCH },
    });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, code: 'BUILD_PRODUCT_UNKNOWN' });
    // --all in a folder that is no checkout: an error, not "built 0 image(s)" (with and without the cache).
    for (const cache of [[], ['--no-cache']]) {
      const elsewhere = await fwkit(['build', '--all', '--keys', join(REPO, 'keys.example'), '--out', out, '--json', ...cache], {
        cwd: out,
        env: { SOURCE_DATE_EPOCH: EPOCH },
      });
      expect(elsewhere.code).toBe(1);
      expect(JSON.parse(elsewhere.stdout)).toMatchObject({ ok: false, code: 'BUILD_INPUT_MISSING' });
    }
    await expect(stat(join(out, 'node_modules'))).rejects.toThrow(); // no cache folder left behind
    expect((await fwkit(['build', '--all', '--product', 'x', '--keys', 'keys.example'])).code).toBe(2);
    expect((await fwkit(['build', '--all', '--bogus'])).code).toBe(2);
    expect((await fwkit(['frobnicate'])).code).toBe(2);
  });

  it('refuses a key the trust root does not list, or too few keys, before building, naming the key file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-cli-keys-'));
    try {
      // A key of nobody's root, with the mode a private key file must have.
      const foreign = join(dir, 'targets-foreign.key.pem');
      await writeFile(foreign, privateKeyToPem(testKeys.outsider.privateKey), { mode: 0o600 });
      const keys = ['keys.example/targets-1.key.pem', 'keys.example/targets-2.key.pem'];
      const build = (keyFiles: string[], ...extra: string[]) =>
        fwkit(
          [
            'build',
            '--all',
            ...keyFiles.flatMap((k) => ['--key', k]),
            '--trust',
            'keys.example/root.json',
            '--out',
            join(dir, 'out'),
            '--json',
            ...extra,
          ],
          {
            env: { SOURCE_DATE_EPOCH: EPOCH, FWKIT_CACHE_DIR: join(dir, 'cache') },
          },
        );
      const untrusted = await build([...keys, foreign]);
      expect(untrusted.code).toBe(1);
      expect(JSON.parse(untrusted.stdout)).toMatchObject({
        code: 'BUILD_SIGNER_UNTRUSTED',
        details: { keys: [{ keyid: testKeys.outsider.signer.keyid, source: foreign }] },
      });
      expect(untrusted.stderr).toContain(foreign);
      const below = await build(keys.slice(0, 1));
      expect(JSON.parse(below.stdout)).toMatchObject({ code: 'BUILD_SIGNERS_BELOW_THRESHOLD', details: { threshold: 2, distinct: 1 } });
      expect(below.stderr).toContain('keys.example/targets-1.key.pem');
      // Nothing was built: no output folder, no cache entry.
      expect(await readdir(dir)).toEqual(['targets-foreign.key.pem']);
      // Without the cache the keys are read while the build starts: the same refusal, nothing written.
      const uncached = await build([...keys, foreign], '--no-cache');
      expect(uncached.code).toBe(1);
      expect(JSON.parse(uncached.stdout)).toMatchObject({ code: 'BUILD_SIGNER_UNTRUSTED' });
      expect(await readdir(dir)).toEqual(['targets-foreign.key.pem']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fwkit --version', () => {
  it('prints the toolkit version of @fwkit/cli and exits 0; with anything after it, it is a usage error', async () => {
    const { version: cli } = JSON.parse(await readFile(join(REPO, 'packages/release/cli/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await fwkit([flag]);
      expect([result.code, result.stdout.trim(), result.stderr]).toEqual([0, `fwkit ${cli}`, '']);
    }
    expect((await fwkit(['--version', 'build'])).code).toBe(2);
  });
});

describe('fwkit verify', () => {
  it("takes each product's example device.json (the implementation's, as committed) and accepts the image for it", async () => {
    for (const model of products) {
      const path = join(REPO, 'products', model, 'device.example.json');
      const product = productManifestFromJSON(JSON.parse(await readFile(join(REPO, 'products', model, 'product.json'), 'utf8')));
      // Drift from the source fails here: run scripts/gen-schemas.mjs after changing a product.json.
      expect(deviceIdentityFromJSON(JSON.parse(await readFile(path, 'utf8')))).toEqual(exampleDeviceOf(product));
      const result = await fwkit(['verify', imageOf(model), '--trust', 'keys.example/root.json', '--device', path, '--now', NOW, '--json']);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('accepts each image for every hardware revision of its model, and says when example keys signed it', async () => {
    for (const model of products) {
      const product = JSON.parse(await readFile(join(REPO, 'products', model, 'product.json'), 'utf8')) as {
        hardware: { revision: string }[];
      };
      for (const { revision } of product.hardware) {
        const result = await fwkit([
          'verify',
          imageOf(model),
          '--trust',
          'keys.example/root.json',
          '--model',
          model,
          '--hw',
          revision,
          '--now',
          NOW,
          '--json',
        ]);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, code: null, image: { model, exampleKeys: true } });
      }
    }
  });

  it('refuses another model’s image with MODEL_MISMATCH and exit 1', async () => {
    const [a, b] = products;
    const product = JSON.parse(await readFile(join(REPO, 'products', b ?? '', 'product.json'), 'utf8')) as {
      hardware: { revision: string }[];
    };
    const result = await fwkit([
      'verify',
      imageOf(a ?? ''),
      '--trust',
      'keys.example/root.json',
      '--model',
      b ?? '',
      '--hw',
      product.hardware[0]?.revision ?? '',
      '--now',
      NOW,
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'MODEL_MISMATCH' });
  });

  it('checks a device.json, including anti-rollback of the security version', async () => {
    const model = products[0] ?? '';
    const device = await fieldDevice(REPO, model, undefined, { firmware: '1.0.0', security: 0 });
    const path = join(out, 'device.json');
    await writeFile(path, JSON.stringify(device));
    expect((await fwkit(['verify', imageOf(model), '--trust', 'keys.example/root.json', '--device', path, '--now', NOW])).code).toBe(0);
    await writeFile(path, JSON.stringify({ ...device, installed: { firmware: '99.0.0', security: 999 } }));
    const rollback = await fwkit(['verify', imageOf(model), '--trust', 'keys.example/root.json', '--device', path, '--now', NOW, '--json']);
    expect(rollback.code).toBe(1);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ code: 'SECURITY_VERSION_ROLLBACK' });
  });

  it('rejects a corrupted image with a stable code and a trust root past its expiry', async () => {
    const model = products[0] ?? '';
    const bytes = await readFile(imageOf(model));
    bytes[bytes.length - 1536] = (bytes[bytes.length - 1536] ?? 0) ^ 0x01; // inside the last payload's data or padding
    const broken = join(out, 'broken.fwimg');
    await writeFile(broken, bytes);
    const result = await fwkit(['verify', broken, '--trust', 'keys.example/root.json', '--any-device', '--now', NOW, '--json']);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { code: unknown }).code).toMatch(/^(BLOCK_HASH_MISMATCH|IMAGE_PADDING_NONZERO)$/);
    const expired = await fwkit([
      'verify',
      imageOf(model),
      '--trust',
      'keys.example/root.json',
      '--any-device',
      '--now',
      '2040-01-01T00:00:00Z',
      '--json',
    ]);
    expect(JSON.parse(expired.stdout)).toMatchObject({ ok: false, code: 'TRUST_ROOT_EXPIRED' });
  });

  it('says "not an fwkit image" for a text file and "not found" for a missing one', async () => {
    const verify = (image: string) => fwkit(['verify', image, '--trust', 'keys.example/root.json', '--any-device', '--now', NOW]);
    const text = await verify('README.md');
    expect([text.code, text.stderr.trim()]).toEqual([
      1,
      'fwkit: IMAGE_NOT_FWKIT: not an fwkit image: the file does not start with a tar header',
    ]);
    const missing = await verify(join(out, 'no-such.fwimg'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('INPUT_NOT_FOUND');
    expect(missing.stderr).toContain('not found');
  });

  it('needs exactly one device choice (exit 2)', async () => {
    const model = products[0] ?? '';
    expect((await fwkit(['verify', imageOf(model), '--trust', 'keys.example/root.json'])).code).toBe(2);
    expect(
      (await fwkit(['verify', imageOf(model), '--trust', 'keys.example/root.json', '--any-device', '--model', model, '--hw', 'A'])).code,
    ).toBe(2);
  });
});

describe('fwkit inspect', () => {
  it('shows the manifest and flags example keys', async () => {
    const model = products[0] ?? '';
    const result = await fwkit(['inspect', imageOf(model)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(model);
    expect(result.stdout).toContain('EXAMPLE');
    const json = JSON.parse((await fwkit(['inspect', imageOf(model), '--json'])).stdout) as {
      manifest: { model: string };
      exampleKeys: boolean;
    };
    expect(json).toMatchObject({ manifest: { model }, exampleKeys: true });
  });
});

describe('fwkit keys generate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a PEM key pair with a private mode, and refuses to overwrite it', async () => {
    const first = await fwkit(['keys', 'generate', '--name', 'release-1', '--out', dir, '--json']);
    expect(first.code).toBe(0);
    const made = JSON.parse(first.stdout) as { keyid: string; privateKeyPath: string; publicKeyPath: string };
    // The documented --json shape (README): ok, code, message, keyid, and the two absolute paths; never the key's bytes.
    expect(Object.keys(made).sort()).toEqual(['code', 'keyid', 'message', 'ok', 'privateKeyPath', 'publicKeyPath']);
    expect(first.stdout).not.toContain('PRIVATE KEY');
    expect(made.keyid).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(made.privateKeyPath)).mode & 0o777).toBe(0o600);
    const again = await fwkit(['keys', 'generate', '--name', 'release-1', '--out', dir, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ code: 'KEY_EXISTS' });
  });

  itWithTools('openssl', 'writes a key pair that openssl reads', async () => {
    const made = await fwkit(['keys', 'generate', '--name', 'release-2', '--out', dir, '--json']);
    expect(made.code).toBe(0);
    const { privateKeyPath, publicKeyPath } = JSON.parse(made.stdout) as { privateKeyPath: string; publicKeyPath: string };
    const pub = execFileSync('openssl', ['pkey', '-in', privateKeyPath, '-pubout'], { encoding: 'utf8' });
    expect(pub).toBe(await readFile(publicKeyPath, 'utf8'));
  });
});
