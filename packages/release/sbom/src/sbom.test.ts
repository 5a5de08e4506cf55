import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import fc from 'fast-check';
import { describe, expect, it, beforeAll } from 'vitest';
import { sha256Hex } from '@fwkit/device-core';
import { withoutAnnotations } from './schema-validator.js';
import { fixtureInput, ROOT } from './fixture.test-support.js';
import {
  buildSbom,
  bundledSha256,
  packageDirOf,
  sbomBesideImage,
  serialNumberFor,
  validateSbom,
  schemaValidatorCode,
  VALIDATOR_CODE_PATH,
  BUNDLED_SHA256_METHOD,
  SbomError,
  type SbomInput,
} from './index.js';

interface CdxComponent {
  type: string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  'bom-ref': string;
  hashes?: { alg: string; content: string }[];
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  properties?: { name: string; value: string }[];
}
interface CdxBom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: { components: { name: string; version: string }[] }; component: CdxComponent };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as CdxBom;
const lock = JSON.parse(await readFile(`${ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, { version: string; integrity: string } | undefined>;
};

describe('buildSbom from a real esbuild metafile', () => {
  let input: SbomInput;
  let bom: CdxBom;
  let bytes: Uint8Array;
  beforeAll(async () => {
    input = await fixtureInput();
    bytes = buildSbom(input).bytes;
    bom = parse(bytes);
  });

  it('passes the official CycloneDX 1.6 JSON schema (strict)', async () => {
    await expect(validateSbom(bytes)).resolves.toBeUndefined();
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
  });

  it('describes the firmware, its time and the tool that made it', () => {
    expect(bom.metadata.component).toMatchObject({ type: 'firmware', name: 'cam-fixture', version: '1.4.0' });
    expect(bom.metadata.component['bom-ref']).toBeTruthy();
    expect(bom.metadata.timestamp).toBe(new Date(1_700_000_000_000).toISOString());
    expect(bom.metadata.tools.components).toEqual([expect.objectContaining({ name: 'fwkit', version: '0.1.0' })]);
  });

  it('lists fast-xml-parser and every npm package bundled with it, with purl, version, license and hashes', () => {
    const npm = bom.components.filter((c) => c.purl?.startsWith('pkg:npm/') === true && c.type === 'library');
    const dirs = npm.map((c) => c.properties?.find((p) => p.name === 'cdx:npm:package:path')?.value);
    // Every node_modules package esbuild read, and nothing else.
    const expected = [
      ...new Set(Object.keys(input.fileDigests).flatMap((p) => (packageDirOf(p) === undefined ? [] : [packageDirOf(p)]))),
    ].sort();
    expect([...dirs].sort()).toEqual(expected);
    expect(expected).toContain('node_modules/fast-xml-parser');
    expect(expected).toContain('node_modules/strnum');
    for (const component of npm) {
      const dir = component.properties?.find((p) => p.name === 'cdx:npm:package:path')?.value ?? '';
      const entry = lock.packages[dir];
      expect(entry, dir).toBeDefined();
      const fullName = component.group === undefined ? component.name : `${component.group}/${component.name}`;
      expect(component.version).toBe(entry?.version);
      expect(component.purl).toBe(`pkg:npm/${fullName.replace('@', '%40')}@${entry?.version ?? ''}`);
      expect(component.licenses?.length, dir).toBe(1);
      const sha512 = Buffer.from((entry?.integrity ?? '').replace(/^sha512-/, ''), 'base64').toString('hex');
      expect(component.hashes).toContainEqual({ alg: 'SHA-512', content: sha512 });
      expect(component.hashes?.find((h) => h.alg === 'SHA-256')?.content).toMatch(/^[0-9a-f]{64}$/);
      expect(component.properties).toContainEqual({ name: 'fwkit:bundled:sha256-method', value: BUNDLED_SHA256_METHOD });
    }
    const fxp = npm.find((c) => c.name === 'fast-xml-parser');
    expect(fxp?.licenses).toEqual([{ license: { id: 'MIT' } }]);
  });

  it('hashes what was bundled: sha256sum lines of the package files, relative to the package folder', async () => {
    const files = Object.keys(input.fileDigests).filter((p) => p.startsWith('node_modules/strnum/'));
    expect(files.length).toBeGreaterThan(0);
    const lines = await Promise.all(
      files.map(async (p) => ({ path: p.slice('node_modules/strnum/'.length), sha256: sha256Hex(await readFile(`${ROOT}${p}`)) })),
    );
    const strnum = bom.components.find((c) => c.name === 'strnum');
    expect(strnum?.hashes?.find((h) => h.alg === 'SHA-256')?.content).toBe(bundledSha256(lines));
    const manual = sha256Hex(
      [...lines]
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((l) => `${l.sha256}  ${l.path}\n`)
        .join(''),
    );
    expect(bundledSha256(lines)).toBe(manual);
  });

  it('has the platform, the product code and the runtime as components, and the dependency graph', () => {
    const platform = bom.components.find((c) => c.name === 'fixture-platform');
    const product = bom.components.find((c) => c.name === 'cam-fixture-drivers');
    expect(platform).toMatchObject({ group: '@camera', version: '0.9.0', purl: 'pkg:npm/%40camera/fixture-platform@0.9.0' });
    expect(platform?.properties).toContainEqual({ name: 'fwkit:bundled:files', value: '2' });
    expect(product).toMatchObject({ type: 'device-driver', version: '1.4.0' });
    expect(product?.properties).toContainEqual({ name: 'fwkit:bundled:files', value: '1' });
    const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    const ref = (name: string) => bom.components.find((c) => c.name === name)?.['bom-ref'] ?? `missing ${name}`;
    expect(product).toMatchObject({
      purl: 'pkg:generic/%40camera/cam-fixture-drivers@1.4.0',
      licenses: [{ license: { id: 'Apache-2.0' } }],
    });
    expect(bom.components.find((c) => c.name === 'node')).toMatchObject({
      type: 'platform',
      version: '24.11.1',
      'bom-ref': 'fwkit:runtime/node@24.11.1',
    });
    expect(deps.get(bom.metadata.component['bom-ref'])).toEqual([ref('fixture-platform'), ref('cam-fixture-drivers'), ref('node')].sort());
    expect(deps.get(ref('fixture-platform'))).toContain(ref('fast-xml-parser'));
    expect(deps.get(ref('fixture-platform'))).not.toContain(ref('strnum'));
    expect(deps.get(ref('fast-xml-parser'))).toContain(ref('strnum'));
  });

  it("names the supplier (NTIA minimum element) and the model's end of support", () => {
    const supplier = { name: 'Example Camera Co.', url: ['https://camera.example'], contact: [{ email: 'psirt@camera.example' }] };
    const meta = bom.metadata as unknown as {
      supplier: unknown;
      component: { supplier: unknown; properties: { name: string; value: string }[] };
    };
    expect(meta.supplier).toEqual(supplier);
    expect(meta.component.supplier).toEqual(supplier);
    expect(meta.component.properties).toContainEqual({ name: 'cdx:lifecycle:milestone:endOfSupport', value: '2031-06-30' });
    for (const name of ['fixture-platform', 'cam-fixture-drivers']) {
      expect((bom.components.find((c) => c.name === name) as unknown as { supplier: unknown }).supplier).toEqual(supplier);
    }
  });

  it("gives the drivers product.json's licence when it names one", () => {
    const own = parse(buildSbom({ ...input, product: { ...input.product, license: 'MIT' } }).bytes);
    expect(own.components.find((c) => c.name === 'cam-fixture-drivers')?.licenses).toEqual([{ license: { id: 'MIT' } }]);
  });

  it('is byte-identical when built twice from separate esbuild runs', async () => {
    const again = buildSbom(await fixtureInput()).bytes;
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('derives the serial number from the content: a v5-style UUID that changes with the content', () => {
    const first = buildSbom(input).serialNumber;
    expect(bom.serialNumber).toBe(first);
    expect(first).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const other = buildSbom({ ...input, firmware: { ...input.firmware, version: '1.4.1' } }).serialNumber;
    const later = buildSbom({ ...input, sourceDateEpoch: input.sourceDateEpoch + 1 }).serialNumber;
    expect(new Set([first, other, later]).size).toBe(3);
    expect(serialNumberFor(new Uint8Array([1]))).not.toBe(serialNumberFor(new Uint8Array([2])));
  });
});

describe('validateSbom', () => {
  it('rejects a broken BOM with SBOM_INVALID and the validator errors', async () => {
    const bom = parse(buildSbom(await fixtureInput()).bytes) as unknown as Record<string, unknown>;
    const broken = JSON.stringify({ ...bom, metadata: { ...(bom['metadata'] as object), component: { type: 'bogus', name: 'x' } } });
    const error = await validateSbom(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbomError);
    expect((error as SbomError).code).toBe('SBOM_INVALID');
    expect(Array.isArray((error as SbomError).details?.['errors'])).toBe(true);
    // The strict schema refuses fields the spec does not have.
    const extra = JSON.stringify({ ...bom, fwkitExtra: true });
    await expect(validateSbom(extra)).rejects.toMatchObject({ code: 'SBOM_INVALID' });
  });

  it('rejects text that is not JSON, or bytes that are not UTF-8, with SBOM_INVALID', async () => {
    await expect(validateSbom('{"bomFormat":')).rejects.toMatchObject({ code: 'SBOM_INVALID' });
    await expect(validateSbom(new Uint8Array([0x7b, 0xff, 0x7d]))).rejects.toMatchObject({ code: 'SBOM_INVALID' });
  });
});

describe('the compiled schema validator', () => {
  it('is the same code each time it is made, and accepts and refuses what the CycloneDX library validator does', async () => {
    const code = schemaValidatorCode();
    expect(schemaValidatorCode()).toBe(code);
    // Beside the real one, so that it resolves ajv and the format packages the same way.
    const path = `${VALIDATOR_CODE_PATH}.${process.pid}.test.cjs`;
    await writeFile(path, code);
    try {
      const compiled = createRequire(import.meta.url)(path) as (data: unknown) => boolean;
      const library = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
      const bom = parse(buildSbom(await fixtureInput()).bytes) as unknown as Record<string, unknown>;
      const metadata = bom['metadata'] as Record<string, unknown>;
      const cases: Record<string, unknown> = {
        good: bom,
        'wrong component type': { ...bom, metadata: { ...metadata, component: { type: 'bogus', name: 'x' } } },
        'field outside the spec': { ...bom, fwkitExtra: true },
        'bad date-time': { ...bom, metadata: { ...metadata, timestamp: '2023-13-45 noon' } },
        'bad idn-email': { ...bom, metadata: { ...metadata, supplier: { name: 'a', contact: [{ email: 'not an address' }] } } },
        'good idn-email': { ...bom, metadata: { ...metadata, supplier: { name: 'a', contact: [{ email: 'ä@example.org' }] } } },
        'odd url': { ...bom, metadata: { ...metadata, supplier: { name: 'a', url: ['not a uri at all'] } } },
      };
      // Twice: the second pass meets remembered format verdicts (idn-email), which must not change an answer.
      for (const [name, data] of [...Object.entries(cases), ...Object.entries(cases)]) {
        const libraryAccepts = (await library.validate(JSON.stringify(data))) === null;
        expect({ name, accepts: compiled(data) }).toEqual({ name, accepts: libraryAccepts });
        expect({
          name,
          accepts: await validateSbom(JSON.stringify(data)).then(
            () => true,
            () => false,
          ),
        }).toEqual({ name, accepts: libraryAccepts });
      }
    } finally {
      await rm(path, { force: true });
    }
  });
});

describe('the schema narrowed to what fwkit writes', () => {
  it('refuses what fwkit never writes, which the full schema allows, naming where', async () => {
    const bom = parse(buildSbom(await fixtureInput()).bytes) as unknown as Record<string, unknown>;
    const metadata = bom['metadata'] as Record<string, unknown>;
    const [first, ...rest] = bom['components'] as Record<string, unknown>[];
    const library = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    const cases: Record<string, [Record<string, unknown>, string]> = {
      services: [{ ...bom, services: [{ name: 'rtsp' }] }, '/services'],
      'metadata.authors': [{ ...bom, metadata: { ...metadata, authors: [{ name: 'a' }] } }, '/metadata/authors'],
      'component.copyright': [{ ...bom, components: [{ ...first, copyright: '(c) someone' }, ...rest] }, '/components/0/copyright'],
    };
    for (const [name, [data, where]] of Object.entries(cases)) {
      expect({ name, libraryAccepts: (await library.validate(JSON.stringify(data))) === null }).toEqual({ name, libraryAccepts: true });
      const error = (await validateSbom(JSON.stringify(data)).catch((e: unknown) => e)) as SbomError;
      expect(error.code).toBe('SBOM_INVALID');
      const errors = error.details?.['errors'] as { instancePath: string; keyword: string }[];
      expect(errors.map((e) => [e.instancePath, e.keyword])).toEqual([[where, 'false schema']]);
    }
  });

  it('accepts only what the full schema accepts: the real BOM changed at random places', async () => {
    const bom = parse(buildSbom(await fixtureInput()).bytes) as unknown as Record<string, unknown>;
    const library = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    // Names from the schema (kept and refused) and values taken from the BOM itself, so that changes often stay valid.
    const names = [
      'name',
      'version',
      'type',
      'bom-ref',
      'licenses',
      'supplier',
      'authors',
      'services',
      'scope',
      'copyright',
      'url',
      'email',
      'id',
      'expression',
      'x',
    ];
    const values = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom<unknown>(
        ...Object.values(bom),
        ...(bom['components'] as unknown[]),
        { license: { id: 'MIT' } },
        [{ name: 'n' }],
        'library',
      ),
    );
    /** Every object in the document, by a path of keys. */
    const places = (value: unknown, path: (string | number)[] = []): (string | number)[][] =>
      typeof value !== 'object' || value === null
        ? []
        : [path, ...Object.entries(value).flatMap(([k, v]) => places(v, [...path, Array.isArray(value) ? Number(k) : k]))];
    const where = places(bom);
    const change = fc.record({
      at: fc.nat(where.length - 1),
      name: fc.constantFrom(...names),
      value: fc.option(values, { nil: undefined }),
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 3 }), async (changes) => {
        const doc = structuredClone(bom);
        for (const { at, name, value } of changes) {
          const target = (where[at] ?? []).reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], doc) as
            Record<string, unknown> | undefined;
          if (target === undefined || Array.isArray(target)) continue;
          if (value === undefined) Reflect.deleteProperty(target, name);
          else target[name] = value;
        }
        const narrowed = await validateSbom(JSON.stringify(doc)).then(
          () => true,
          () => false,
        );
        if (narrowed) {
          accepted += 1;
          expect(await library.validate(JSON.stringify(doc))).toBeNull();
        }
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(30); // the property was tried on documents the narrowed schema accepts
  });
});

describe('withoutAnnotations', () => {
  it('drops titles, descriptions, examples and comments wherever a schema stands, and keeps data that looks like them', () => {
    const note = { title: 'T', description: 'D', examples: ['e'], $comment: 'c', deprecated: true, 'meta:enum': { a: 'A' } };
    const schema = {
      ...note,
      type: 'object',
      required: ['description'],
      properties: { description: { ...note, type: 'string' }, title: { type: 'string', enum: [{ title: 'data' }] } },
      definitions: { d: { ...note, const: { description: 'data' }, default: { title: 'data' } } },
      additionalProperties: { ...note, type: 'number' },
      items: [{ ...note }, true],
      allOf: [{ ...note, not: { ...note } }],
      if: { ...note },
      then: { ...note },
      else: false,
      dependencies: { a: ['description'], b: { ...note, minProperties: 1 } },
      'x-vendor': { description: 'kept: not a keyword this layer knows' },
    };
    expect(withoutAnnotations(schema)).toEqual({
      type: 'object',
      required: ['description'],
      properties: { description: { type: 'string' }, title: { type: 'string', enum: [{ title: 'data' }] } },
      definitions: { d: { const: { description: 'data' }, default: { title: 'data' } } },
      additionalProperties: { type: 'number' },
      items: [{}, true],
      allOf: [{ not: {} }],
      if: {},
      then: {},
      else: false,
      dependencies: { a: ['description'], b: { minProperties: 1 } },
      'x-vendor': { description: 'kept: not a keyword this layer knows' },
    });
  });
});

describe('buildSbom input checks', () => {
  it('refuses a bundled file that belongs to no component', async () => {
    const input = await fixtureInput();
    for (const path of ['packages/release/core/src/index.ts', '../outside/x.js']) {
      const metafile = { inputs: { ...input.metafiles[0]?.inputs, [path]: { bytes: 1, imports: [] } } };
      expect(() => buildSbom({ ...input, metafiles: [metafile], fileDigests: { ...input.fileDigests, [path]: '0'.repeat(64) } })).toThrow(
        expect.objectContaining({ code: 'SBOM_FILE_UNATTRIBUTED' }),
      );
    }
  });

  it('refuses a bundled package whose version differs from package-lock.json', async () => {
    const input = await fixtureInput();
    const packageJsons = { ...input.packageJsons, 'node_modules/strnum': { name: 'strnum', version: '0.0.1', license: 'MIT' } };
    expect(() => buildSbom({ ...input, packageJsons })).toThrow(expect.objectContaining({ code: 'SBOM_LOCKFILE_MISMATCH' }));
  });

  it('refuses a missing file digest, a malformed lockfile and a bad epoch', async () => {
    const input = await fixtureInput();
    expect(() => buildSbom({ ...input, fileDigests: {} })).toThrow(expect.objectContaining({ code: 'SBOM_INPUT_INVALID' }));
    expect(() => buildSbom({ ...input, lockfile: { lockfileVersion: 1 } })).toThrow(
      expect.objectContaining({ code: 'SBOM_INPUT_INVALID' }),
    );
    expect(() => buildSbom({ ...input, sourceDateEpoch: -1 })).toThrow(expect.objectContaining({ code: 'SBOM_INPUT_INVALID' }));
  });
});

describe('sbomBesideImage', () => {
  it('names the image identity in a version 2 of the same BOM, valid CycloneDX 1.6', async () => {
    const inside = buildSbom(await fixtureInput()).bytes;
    const beside = sbomBesideImage(inside, 'ab'.repeat(32));
    await validateSbom(beside);
    const bom = parse(beside) as CdxBom & { version: number; metadata: { properties: unknown } };
    expect(bom.version).toBe(2);
    expect(bom.serialNumber).toBe(parse(inside).serialNumber);
    expect(bom.metadata.properties).toEqual([{ name: 'fwkit:image:manifest-sha256', value: 'ab'.repeat(32) }]);
  });

  it('refuses a digest that is not a SHA-256, and a BOM that already carries one', async () => {
    const inside = buildSbom(await fixtureInput()).bytes;
    expect(() => sbomBesideImage(inside, 'AB'.repeat(32))).toThrow(expect.objectContaining({ code: 'SBOM_INPUT_INVALID' }));
    expect(() => sbomBesideImage(sbomBesideImage(inside, 'ab'.repeat(32)), 'ab'.repeat(32))).toThrow(
      expect.objectContaining({ code: 'SBOM_INPUT_INVALID' }),
    );
  });
});

describe('packageDirOf', () => {
  it.each([
    ['node_modules/strnum/strnum.js', 'node_modules/strnum'],
    ['node_modules/@nodable/entities/src/index.js', 'node_modules/@nodable/entities'],
    ['node_modules/a/node_modules/@s/b/lib/x.js', 'node_modules/a/node_modules/@s/b'],
    ['platform/node_modules/x/i.js', 'platform/node_modules/x'],
    ['platform/src/main.ts', undefined],
    ['node_modules/strnum', undefined],
  ])('%s → %s', (path, dir) => {
    expect(packageDirOf(path)).toBe(dir);
  });
});
