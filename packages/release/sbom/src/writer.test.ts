import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSbomWithLibrary } from './bom-library.test-support.js';
import { compare } from './collation.js';
import { fixtureInput } from './fixture.test-support.js';
import { buildSbom, sbomBesideImage, SbomError, validateSbom, type BundleMetafile, type SbomInput } from './index.js';

const execFileAsync = promisify(execFile);

// Differential: fwkit's own CycloneDX writer (bom.ts) against the library-based one it replaced
// (bom-library.test-support.ts). Same input, same bytes — or both refuse it.

type Outcome = { ok: true; bytes: string; serialNumber: string; packages: unknown } | { ok: false; error: unknown };

function outcome(write: (input: SbomInput) => { bytes: Uint8Array; serialNumber: string; packages: unknown }, input: SbomInput): Outcome {
  try {
    const sbom = write(input);
    return { ok: true, bytes: Buffer.from(sbom.bytes).toString('utf8'), serialNumber: sbom.serialNumber, packages: sbom.packages };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The same bytes, serial number and package list; or both throw. Where the library threw a coded
 * error the writer throws the same code; where it threw an untyped one (packageurl-js refusing a
 * blank name, a CPE the library's pattern refuses) the writer throws SBOM_INPUT_INVALID, except a
 * URIError for a lone surrogate, which both throw from encodeURIComponent.
 */
function expectSameOutcome(input: SbomInput): void {
  const library = outcome(buildSbomWithLibrary, input);
  const own = outcome(buildSbom, input);
  if (library.ok || own.ok) {
    expect(own).toEqual(library);
    return;
  }
  if (library.error instanceof SbomError) {
    expect(own.error).toMatchObject({ code: library.error.code });
  } else if (library.error instanceof URIError || library.error instanceof RangeError) {
    expect(own.error).toBeInstanceOf(library.error.constructor);
  } else {
    expect({ library: String(library.error), own: (own.error as { code?: unknown }).code }).toMatchObject({ own: 'SBOM_INPUT_INVALID' });
  }
}

const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest();

// Strings a package.json, a lockfile or a product manifest can hold: every class the purl encoder
// and the JSON writer treat differently, and what is left over for fast-check to find.
const ODD = [
  '',
  ' ',
  '\t',
  'a',
  'A',
  'naïve',
  'ÄÖÜ',
  '日本語',
  '😀',
  'a b',
  ' padded ',
  'a%20b',
  '%',
  'a+b',
  'a:b',
  'a/b',
  'a#b',
  'a?b',
  'a@b',
  "a'b",
  'a"b',
  'a\\b',
  '(a)',
  '~a',
  '!a',
  '*',
  'a[b]',
  '<a>',
  '{a}',
  'a\nb',
  'İ',
  'ß',
  'e\u0301',
  'é',
  '\u0000',
];
const odd = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD) },
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ maxLength: 4 }),
);
const SCOPED = ['@camera/platform', '@Camera/Platform', '@/x', '@a/b/c', '@scope/näme', '@sc ope/x', '@a+b/c:d', '@%/%', 'plain', 'UPPER'];
const nonBlank = odd.filter((s) => s.trim() !== '');
/** Mostly names a purl can hold; now and then one it cannot (blank, or a scope with no name after it). */
const packageName = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...SCOPED) },
  { weight: 20, arbitrary: nonBlank },
  { weight: 20, arbitrary: fc.tuple(odd, nonBlank).map(([scope, name]) => `@${scope}/${name}`) },
  fc.constantFrom('@s/', ' ', '@s/\t'),
);
const VERSIONS = ['1.0.0', '1.0.0+build.5', '1.0.0-rc.1+sha.abc', '2.0.0+a+b', ' 1.0.0 ', '1.0:0', 'v1', '1 0', '%', 'ä', '0.0.0-0'];
const version = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VERSIONS) },
  odd.filter((s) => s !== ''),
);
const LICENSES = [
  'MIT',
  'mit',
  'Mit',
  'Apache-2.0',
  'APACHE-2.0',
  'apache-2.0 ',
  ' MIT',
  'GPL-2.0-or-later',
  'gpl-2.0-with-classpath-exception',
  'MIT OR Apache-2.0',
  '(MIT OR Apache-2.0)',
  '(A OR B)',
  'MIT AND ISC',
  'mit or isc',
  'MIT\tOR\tISC',
  'GPL-2.0-only WITH Classpath-exception-2.0',
  'MITOR',
  'UNLICENSED',
  'SEE LICENSE IN LICENSE.md',
  'Custom licence',
  '0bsd',
  'BSD-3-Clause',
  'LicenseRef-fwkit',
  '',
  ' ',
];
const license = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LICENSES) }, odd);
const packageLicense = fc.oneof(
  license.map((l) => ({ license: l })),
  license.map((l) => ({ license: { type: l } })),
  fc.array(license, { maxLength: 3 }).map((ls) => ({ licenses: ls.map((type) => ({ type })) })),
  fc.constant({}),
);

interface GeneratedPackage {
  readonly name: string;
  readonly version: string;
  readonly license: object;
  readonly integrity: boolean;
  readonly files: number;
  readonly nested: boolean;
}

const generatedPackage: fc.Arbitrary<GeneratedPackage> = fc.record({
  name: packageName,
  version,
  license: packageLicense,
  integrity: fc.boolean(),
  files: fc.integer({ min: 1, max: 3 }),
  nested: fc.boolean(),
});

/** Packages, some of them copies of one name@version in other folders, files, imports and a lockfile. */
const generatedInput: fc.Arbitrary<SbomInput> = fc
  .record({
    packages: fc.array(generatedPackage, { maxLength: 6 }),
    copies: fc.array(fc.nat(), { maxLength: 2 }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
    lockDeps: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
    model: odd.filter((s) => s.trim() !== ''),
    modelName: odd,
    firmwareVersion: version,
    security: fc.nat({ max: 1000 }),
    hardwareRevisions: fc.array(fc.oneof(fc.constantFrom('A', 'B', 'a', 'b', 'A'), odd), { maxLength: 4 }),
    supplier: fc.record(
      {
        name: fc.oneof(fc.constant('Example Camera Co.'), odd),
        url: fc.option(odd, { nil: undefined }),
        email: fc.option(odd, { nil: undefined }),
      },
      { requiredKeys: ['name'] },
    ),
    platformName: packageName,
    platformVersion: version,
    platformLicense: fc.option(license, { nil: undefined }),
    runtime: fc.record({
      name: fc.constantFrom('node', 'node', 'bun', 'Node'),
      version: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('24.11.1', '24.11.1-rc.1', '1\\:2', '*', '-', '?1', '1.0??') },
        fc.constantFrom('**1', '1*2', '1:2', '1 2', '\\', '1\\'),
        odd,
      ),
      endOfLife: fc.constantFrom('2028-04-30', ''),
    }),
    productId: odd.filter((s) => s.trim() !== '' && !s.includes('/')),
    productName: odd,
    productLicense: fc.option(license, { nil: undefined }),
    tools: fc.array(fc.record({ name: odd, version: odd }), { minLength: 1, maxLength: 3 }),
    epoch: fc.integer({ min: 0, max: 4_000_000_000 }),
  })
  .map((g): SbomInput => {
    const copies = g.copies.flatMap((i) => g.packages.slice(i % Math.max(g.packages.length, 1)).slice(0, 1));
    const pkgs = [...g.packages, ...copies].map((p, i) => ({
      ...p,
      dir: p.nested && i > 0 ? `node_modules/p0/node_modules/p${i}` : `node_modules/p${i}`,
    }));
    const files = new Map<string, string[]>([
      ['platform', ['platform/src/main.js', 'platform/src/util.js']],
      ['product', ['products/x/src/drivers.js']],
    ]);
    for (const p of pkgs)
      files.set(
        p.dir,
        Array.from({ length: p.files }, (_, f) => `${p.dir}/lib/f${f}.js`),
      );
    const all = [...files.values()].flat();
    const imports = new Map<string, { path: string; kind: string }[]>(all.map((path) => [path, []]));
    for (const [a, b] of g.edges) {
      const [from, to] = [all[a % all.length], all[b % all.length]];
      if (from !== undefined && to !== undefined) imports.get(from)?.push({ path: to, kind: 'import-statement' });
    }
    const lockPackages: Record<string, unknown> = { '': { name: 'root', version: '0.0.0' } };
    pkgs.forEach((p, i) => {
      const deps = Object.fromEntries(
        g.lockDeps.filter(([from]) => from % Math.max(pkgs.length, 1) === i).map(([, to]) => [`p${to % pkgs.length}`, '*']),
      );
      lockPackages[p.dir] = {
        version: p.version,
        ...(p.integrity ? { integrity: `sha512-${hex('sha512', p.dir).toString('base64')}` } : {}),
        ...(Object.keys(deps).length > 0 ? { dependencies: deps } : {}),
      };
    });
    const metafile: BundleMetafile = {
      inputs: Object.fromEntries([...imports].map(([path, imported]) => [path, { bytes: 1, imports: imported }])),
    };
    return {
      firmware: {
        model: g.model,
        modelName: g.modelName,
        version: g.firmwareVersion,
        security: g.security,
        hardwareRevisions: g.hardwareRevisions,
        endOfSupport: '2031-06-30',
      },
      supplier: g.supplier,
      platform: { dir: 'platform', name: g.platformName, version: g.platformVersion, license: g.platformLicense },
      runtime: g.runtime,
      product: { dir: 'products/x', id: g.productId, name: g.productName, license: g.productLicense },
      metafiles: [metafile],
      fileDigests: Object.fromEntries(all.map((path) => [path, hex('sha256', path).toString('hex')])),
      packageJsons: Object.fromEntries(pkgs.map((p) => [p.dir, { name: p.name, version: p.version, ...p.license }])),
      lockfile: { lockfileVersion: 3, packages: lockPackages },
      sourceDateEpoch: g.epoch,
      tools: g.tools,
    };
  });

describe('the CycloneDX writer against the library-based one', () => {
  it('writes the same bytes for the fixture bundled by esbuild, and for variations of it', async () => {
    const input = await fixtureInput();
    const variations: SbomInput[] = [
      input,
      { ...input, product: { ...input.product, license: 'MIT OR Apache-2.0' } },
      { ...input, platform: { ...input.platform, license: 'apache-2.0' } },
      { ...input, platform: { ...input.platform, license: undefined } },
      { ...input, supplier: { name: 'Example Camera Co.' } },
      { ...input, supplier: { name: '', url: 'https://camera.example/a b[1]', email: '' } },
      { ...input, runtime: { ...input.runtime, name: 'bun' } },
      {
        ...input,
        tools: [
          { name: 'fwkit', version: '0.1.0' },
          { name: 'esbuild', version: '0.28.2' },
          { name: 'Esbuild', version: '' },
        ],
      },
      { ...input, firmware: { ...input.firmware, hardwareRevisions: ['B', 'a', 'A', 'b', 'A'], modelName: '' } },
    ];
    for (const variation of variations) expectSameOutcome(variation);
    expect(outcome(buildSbom, input).ok).toBe(true);
  });

  it('writes the same bytes, or refuses alike, on generated inputs: odd names, versions, licences, copies and suppliers', () => {
    fc.assert(
      fc.property(generatedInput, (input) => {
        expectSameOutcome(input);
      }),
      { numRuns: 400 },
    );
  });

  it('finds SPDX ids in any case, and names a licence that only Object.prototype has (the library gave {} there)', () => {
    const licenses = (input: SbomInput) => {
      const result = outcome(buildSbom, input);
      if (!result.ok) throw result.error as Error;
      return (JSON.parse(result.bytes) as { components: { name: string; licenses?: unknown }[] }).components.find(
        (c) => c.name === 'x-drivers',
      )?.licenses;
    };
    const [base] = fc.sample(generatedInput, { numRuns: 1, seed: 7 });
    if (base === undefined) throw new Error('fast-check gave no sample');
    const input = (license: string): SbomInput => ({
      ...base,
      platform: { ...base.platform, name: 'p', version: '1.0.0' },
      runtime: { name: 'node', version: '24.11.1', endOfLife: '2028-04-30' },
      product: { ...base.product, id: 'x', license },
      metafiles: [{ inputs: { 'platform/a.js': { bytes: 1, imports: [] }, 'products/x/b.js': { bytes: 1, imports: [] } } }],
      fileDigests: { 'platform/a.js': 'a'.repeat(64), 'products/x/b.js': 'b'.repeat(64) },
      packageJsons: {},
    });
    expect(licenses(input('bsd-3-CLAUSE'))).toEqual([{ license: { id: 'BSD-3-Clause' } }]);
    expect(licenses(input('(A OR B)'))).toEqual([{ expression: '(A OR B)' }]);
    expect(licenses(input('constructor'))).toEqual([{ license: { name: 'constructor' } }]);
    expect(licenses(input('__proto__'))).toEqual([{ license: { name: '__proto__' } }]);
  });
});

describe('the SBOM beside an image', () => {
  // What a build writes beside each image is not validated again: it is the BOM inside, which was,
  // plus the image's identity. This holds that whatever BOM the writer makes and the schema
  // accepts, the one beside it is accepted too.
  it('is valid whenever the BOM inside is (generated inputs)', async () => {
    await fc.assert(
      fc.asyncProperty(generatedInput, fc.stringMatching(/^[0-9a-f]{64}$/), async (input, identity) => {
        let inside: Uint8Array;
        try {
          inside = buildSbom(input).bytes;
          await validateSbom(inside);
        } catch {
          return; // refused inputs and BOMs the schema refuses are not what a build writes beside an image
        }
        await validateSbom(sbomBesideImage(inside, identity));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the order of every list', () => {
  it("is the same whatever the process's locale (uppercase first and 'aa' after 'z' under da_DK)", async () => {
    const words = ['b', 'B', 'aa', 'a', 'A', 'z', 'å', 'Zed', '@scope/x', 'node_modules/x', 'x-1.0'];
    const expected = [...words].sort(compare);
    const script = `import { compare } from ${JSON.stringify(new URL('../dist/collation.js', import.meta.url).href)};
      process.stdout.write(JSON.stringify([process.env.LC_ALL, new Intl.Collator().resolvedOptions().locale, ${JSON.stringify(words)}.sort(compare)]));`;
    for (const locale of ['da_DK.UTF-8', 'tr_TR.UTF-8', 'C']) {
      const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, LC_ALL: locale, LANG: locale },
      });
      const [lcAll, processLocale, sorted] = JSON.parse(stdout) as [string, string, string[]];
      expect({ lcAll, sorted }).toEqual({ lcAll: locale, sorted: expected });
      // The process's own collation does differ under da_DK: the pinned locale is what makes the order the same.
      if (locale === 'da_DK.UTF-8') expect(processLocale).toBe('da-DK');
    }
  });
});
