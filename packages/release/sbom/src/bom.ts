import { sha256, sha256Hex, toHex } from '@fwkit/device-core';
import { bundledFiles, compareStrings, ownerKey, ownerOf, type Owner } from './attribute.js';
import { cycloneDxJson, type CdxComponent, type CdxLicense, type CdxOrganization } from './cyclonedx.js';
import { SbomError } from './errors.js';
import { parseLockfile, resolveDependency, sha512FromIntegrity, type Lockfile } from './lockfile.js';
import { packageUrl } from './purl.js';
import { spdxLicenseId } from './spdx.js';
import type { BundledPackage, Sbom, SbomInput } from './types.js';

/** The value of the `fwkit:bundled:sha256-method` property: how the SHA-256 of a component is computed. */
export const BUNDLED_SHA256_METHOD =
  'sha256sum-v1: SHA-256 of the lines "<sha256 hex of file>  <path>\\n" (sha256sum format) of every file esbuild bundled from this component, path relative to the component folder, sorted by path';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `sha256sum`-style digest over a set of files (see BUNDLED_SHA256_METHOD). */
export function bundledSha256(files: readonly { readonly path: string; readonly sha256: string }[]): string {
  const lines = [...files]
    .sort((a, b) => compareStrings(a.path, b.path))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join('');
  return sha256Hex(lines);
}

/**
 * A name-based UUID from the BOM's own content: the first 16 bytes of SHA-256(content) with the
 * version set to 5 and the RFC 4122 variant, so the same BOM always gets the same serial number.
 */
export function serialNumberFor(content: Uint8Array): string {
  const b = Buffer.from(sha256(content).subarray(0, 16));
  b.writeUInt8((b.readUInt8(6) & 0x0f) | 0x50, 6);
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = toHex(b);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface PackageFacts {
  readonly name: string;
  readonly version: string;
  readonly license: string | undefined;
}

export function packageFacts(value: unknown, dir: string): PackageFacts {
  const fail = (message: string) => new SbomError('SBOM_INPUT_INVALID', `${dir}/package.json: ${message}`, { details: { dir } });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('missing or not an object');
  const pkg = value as Record<string, unknown>;
  const { name, version } = pkg;
  if (typeof name !== 'string' || name === '') throw fail('"name" must be a non-empty string');
  if (typeof version !== 'string' || version === '') throw fail('"version" must be a non-empty string');
  return { name, version, license: licenseOf(pkg) };
}

/** `license` as npm documents it, plus the legacy `{ type }` and `licenses: [{ type }]` forms. */
function licenseOf(pkg: Record<string, unknown>): string | undefined {
  const typeOf = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string'
        ? (v as { type: string }).type
        : undefined;
  const single = typeOf(pkg['license']);
  if (single !== undefined && single.trim() !== '') return single.trim();
  const list = pkg['licenses'];
  if (Array.isArray(list)) {
    const types = list.map(typeOf).filter((t): t is string => t !== undefined && t.trim() !== '');
    if (types.length === 1) return types[0];
    if (types.length > 1) return `(${types.join(' OR ')})`;
  }
  return undefined;
}

/**
 * An SPDX id when the licence is one (in any case: `mit` → `MIT`), else an expression when it
 * joins licences with AND, OR or WITH, else a licence name.
 */
function licenseChoice(license: string): CdxLicense {
  const id = spdxLicenseId(license);
  if (id !== undefined) return { kind: 'id', id };
  if (/\s(?:AND|OR|WITH)\s/.test(license)) return { kind: 'expression', expression: license };
  return { kind: 'name', name: license };
}

function npmPurl(name: string, version: string): string {
  const { group, name: short } = splitScope(name);
  return packageUrl('npm', group, short, version);
}

export function splitScope(name: string): { group: string | undefined; name: string } {
  const slash = name.indexOf('/');
  return name.startsWith('@') && slash > 0 ? { group: name.slice(0, slash), name: name.slice(slash + 1) } : { group: undefined, name };
}

export function trimDir(dir: string): string {
  return dir.replace(/\/+$/, '').replace(/^\.\//, '');
}

/** The files of each component and the edges between components, from the metafiles. */
export function attribute(input: SbomInput, lockfile: Lockfile) {
  const dirs = { platform: trimDir(input.platform.dir), product: trimDir(input.product.dir) };
  // `sources`: the metafile paths of the files, to account for each one in the BOM.
  const filesByOwner = new Map<string, { owner: Owner; files: { path: string; sha256: string }[]; sources: string[] }>([
    ['platform', { owner: { kind: 'platform' }, files: [], sources: [] }],
    ['product', { owner: { kind: 'product' }, files: [], sources: [] }],
  ]);
  const ownerByPath = new Map<string, Owner>();
  for (const path of bundledFiles(input.metafiles)) {
    const { owner, relative } = ownerOf(path, dirs, lockfile);
    const digest = input.fileDigests[path];
    if (digest === undefined || !SHA256_HEX.test(digest)) {
      throw new SbomError('SBOM_INPUT_INVALID', `no SHA-256 digest for bundled file "${path}"`, { details: { path } });
    }
    const key = ownerKey(owner);
    const group = filesByOwner.get(key) ?? { owner, files: [], sources: [] };
    group.files.push({ path: relative, sha256: digest });
    group.sources.push(path);
    filesByOwner.set(key, group);
    ownerByPath.set(path, owner);
  }
  const edges = new Map<string, Set<string>>();
  const addEdge = (from: string, to: string) => {
    if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
  };
  for (const metafile of input.metafiles) {
    for (const [path, module] of Object.entries(metafile.inputs)) {
      const from = ownerByPath.get(path);
      if (from === undefined) continue;
      for (const imported of module.imports) {
        const to = imported.external === true ? undefined : ownerByPath.get(imported.path);
        if (to !== undefined) addEdge(ownerKey(from), ownerKey(to));
      }
    }
  }
  // An npm package also depends on what its lockfile entry declares, where that is bundled too.
  for (const { owner } of filesByOwner.values()) {
    if (owner.kind !== 'npm') continue;
    for (const name of lockfile.packages.get(owner.dir)?.dependencies ?? []) {
      const dep = resolveDependency(lockfile, owner.dir, name);
      if (dep !== undefined && filesByOwner.has(`npm:${dep}`)) addEdge(`npm:${owner.dir}`, `npm:${dep}`);
    }
  }
  return { filesByOwner, edges };
}

/** The SHA-256 of what was bundled from a component, and how it was computed. */
function sourceFacts(files: readonly { path: string; sha256: string }[]) {
  return {
    hash: { alg: 'SHA-256', content: bundledSha256(files) } as const,
    properties: [
      { name: 'fwkit:bundled:files', value: String(files.length) },
      { name: 'fwkit:bundled:sha256-method', value: BUNDLED_SHA256_METHOD },
    ],
  };
}

/**
 * Every file esbuild put into a bundle is in exactly one component of the BOM, with its hash in
 * that component's: a file the BOM does not account for is an error, never a silent omission.
 */
export function checkAccounted(
  bundled: readonly string[],
  filesByOwner: ReadonlyMap<string, { readonly sources: readonly string[] }>,
  components: ReadonlyMap<string, unknown>,
): void {
  const seen = new Map<string, number>();
  for (const [key, group] of filesByOwner) {
    if (!components.has(key)) continue;
    for (const source of group.sources) seen.set(source, (seen.get(source) ?? 0) + 1);
  }
  const unaccounted = bundled.filter((path) => seen.get(path) !== 1);
  if (unaccounted.length > 0 || seen.size !== bundled.length) {
    throw new SbomError('SBOM_INPUT_UNACCOUNTED', `bundled files not accounted for by exactly one component: ${unaccounted.join(', ')}`, {
      details: { paths: unaccounted },
    });
  }
}

export function checkInput(input: SbomInput): void {
  const epoch = input.sourceDateEpoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new SbomError('SBOM_INPUT_INVALID', `sourceDateEpoch must be a non-negative integer, got ${String(epoch)}`);
  }
  if (input.tools.length === 0) throw new SbomError('SBOM_INPUT_INVALID', 'tools must name at least the tool that made the BOM');
}

/**
 * The runtime's CPE is `cpe:2.3:a:nodejs:node.js:<version>:*:*:*:*:*:*:*`; the version must be one
 * attribute value of a CPE 2.3 formatted string (NISTIR 7695, 6.2): `*`, `-`, or letters, digits,
 * `.`, `_`, `-` and backslash-quoted punctuation, with `?`s or one `*` at either end.
 */
const CPE23_VALUE = /^(?:[*-]|(?:\?*|\*?)(?:[A-Za-z0-9._-]|\\[\\*?!"#$%&'()+,/:;<=>@[\]^`{|}~])+(?:\?*|\*?))$/;

function runtimeCpe(runtime: SbomInput['runtime']): string | undefined {
  if (runtime.name !== 'node') return undefined;
  if (!CPE23_VALUE.test(runtime.version)) {
    throw new SbomError('SBOM_INPUT_INVALID', `the runtime version "${runtime.version}" cannot stand in a CPE name`, {
      details: { runtime: runtime.name, version: runtime.version },
    });
  }
  return `cpe:2.3:a:nodejs:node.js:${runtime.version}:*:*:*:*:*:*:*`;
}

/** A component being put together: its dependencies are added once every component is known. */
type Draft = CdxComponent & { readonly bomRef: string; readonly dependsOn: string[] };

/**
 * Build the CycloneDX 1.6 SBOM of one firmware image. Pure: the same input gives the same bytes
 * (sorted lists, timestamp from SOURCE_DATE_EPOCH, content-derived serial number).
 */
export function buildSbom(input: SbomInput): Sbom {
  checkInput(input);
  const lockfile = parseLockfile(input.lockfile);
  const { filesByOwner, edges } = attribute(input, lockfile);
  const { firmware } = input;

  const supplier: CdxOrganization = input.supplier;
  const root: Draft = {
    type: 'firmware',
    name: firmware.model,
    version: firmware.version,
    bomRef: `fwkit:firmware/${firmware.model}@${firmware.version}`,
    supplier,
    description: firmware.modelName,
    properties: [
      { name: 'cdx:lifecycle:milestone:endOfSupport', value: firmware.endOfSupport },
      { name: 'fwkit:security-version', value: String(firmware.security) },
      ...firmware.hardwareRevisions.map((revision) => ({ name: 'fwkit:hardware-revision', value: revision })),
    ],
    dependsOn: [],
  };
  const tools: CdxComponent[] = input.tools.map((tool) => ({ type: 'application', name: tool.name, version: tool.version }));

  const components = new Map<string, Draft>();
  const platformScope = splitScope(input.platform.name);
  const platformPurl = npmPurl(input.platform.name, input.platform.version);
  const platformSource = sourceFacts(filesByOwner.get('platform')?.files ?? []);
  const platform: Draft = {
    type: 'framework',
    name: platformScope.name,
    group: platformScope.group,
    version: input.platform.version,
    bomRef: platformPurl,
    supplier,
    description: 'Shared camera firmware platform',
    hashes: [platformSource.hash],
    license: input.platform.license === undefined ? undefined : licenseChoice(input.platform.license),
    purl: platformPurl,
    properties: [{ name: 'fwkit:source:path', value: trimDir(input.platform.dir) }, ...platformSource.properties],
    dependsOn: [],
  };
  components.set('platform', platform);

  // The runtime is on the device, not in the image: no files, but a vulnerability in it is one in
  // the firmware. The CPE is NVD's name for Node.js, so scanners match its advisories.
  const { runtime: rt } = input;
  const runtime: Draft = {
    type: 'platform',
    name: rt.name,
    version: rt.version,
    bomRef: `fwkit:runtime/${rt.name}@${rt.version}`,
    description: 'The JavaScript runtime the firmware runs on (part of the device, not of the image)',
    cpe: runtimeCpe(rt),
    properties: [{ name: 'fwkit:runtime:endOfLife', value: rt.endOfLife }],
    dependsOn: [],
  };
  components.set('runtime', runtime);

  // The drivers are the maker's own code, not an npm package: a generic purl in the platform's scope.
  const driversPurl = packageUrl('generic', platformScope.group, `${input.product.id}-drivers`, firmware.version);
  const driversLicense = input.product.license ?? input.platform.license;
  const productSource = sourceFacts(filesByOwner.get('product')?.files ?? []);
  const product: Draft = {
    type: 'device-driver',
    name: `${input.product.id}-drivers`,
    version: firmware.version,
    bomRef: `fwkit:product/${input.product.id}@${firmware.version}`,
    supplier,
    description: `Model-specific driver code of ${input.product.name}`,
    hashes: [productSource.hash],
    license: driversLicense === undefined ? undefined : licenseChoice(driversLicense),
    purl: driversPurl,
    properties: [{ name: 'fwkit:source:path', value: trimDir(input.product.dir) }, ...productSource.properties],
    dependsOn: [],
  };
  components.set('product', product);

  const packages: Omit<BundledPackage, 'dependsOn'>[] = [];
  const purlCount = new Map<string, number>();
  const npmGroups = [...filesByOwner.values()]
    .flatMap((g) => (g.owner.kind === 'npm' ? [{ dir: g.owner.dir, files: g.files }] : []))
    .sort((a, b) => compareStrings(a.dir, b.dir));
  for (const { dir } of npmGroups) {
    const facts = packageFacts(input.packageJsons[dir], dir);
    const purl = npmPurl(facts.name, facts.version);
    purlCount.set(purl, (purlCount.get(purl) ?? 0) + 1);
  }
  for (const { dir, files } of npmGroups) {
    const facts = packageFacts(input.packageJsons[dir], dir);
    const entry = lockfile.packages.get(dir);
    if (entry === undefined || entry.version !== facts.version) {
      throw new SbomError(
        'SBOM_LOCKFILE_MISMATCH',
        entry === undefined
          ? `bundled package ${facts.name} (${dir}) is not in package-lock.json`
          : `bundled package ${facts.name} (${dir}) is ${facts.version}, package-lock.json says ${String(entry.version)}`,
        { details: { dir, name: facts.name, version: facts.version } },
      );
    }
    const purl = npmPurl(facts.name, facts.version);
    const sha512 = sha512FromIntegrity(entry.integrity, dir);
    const scope = splitScope(facts.name);
    const source = sourceFacts(files);
    components.set(`npm:${dir}`, {
      type: 'library',
      name: scope.name,
      group: scope.group,
      version: facts.version,
      // Two installed copies of one name@version stay two components, told apart by folder.
      bomRef: (purlCount.get(purl) ?? 0) > 1 ? `${purl}#${dir}` : purl,
      hashes: sha512 === undefined ? [source.hash] : [source.hash, { alg: 'SHA-512', content: sha512 }],
      license: facts.license === undefined ? undefined : licenseChoice(facts.license),
      purl,
      properties: [...source.properties, { name: 'cdx:npm:package:path', value: dir }],
      dependsOn: [],
    });
    packages.push({
      dir,
      name: facts.name,
      version: facts.version,
      purl,
      license: facts.license,
      files: files.length,
      sha256: source.hash.content,
      sha512,
    });
  }

  checkAccounted(bundledFiles(input.metafiles), filesByOwner, components);
  root.dependsOn.push(platform.bomRef, product.bomRef, runtime.bomRef);
  for (const [from, targets] of edges) {
    const source = components.get(from);
    for (const to of targets) {
      const target = components.get(to);
      if (source !== undefined && target !== undefined) source.dependsOn.push(target.bomRef);
    }
  }
  // Unique bom-refs everywhere: the dependency graph names components by them.
  const refs = [root, ...components.values()].map((c) => c.bomRef);
  if (new Set(refs).size !== refs.length) throw new SbomError('SBOM_INPUT_INVALID', 'components do not have unique bom-refs');

  const bom = {
    timestamp: new Date(input.sourceDateEpoch * 1000),
    tools,
    component: root,
    supplier,
    components: [...components.values()],
  };
  const serialNumber = serialNumberFor(new TextEncoder().encode(cycloneDxJson(bom)));
  return {
    bytes: new TextEncoder().encode(cycloneDxJson({ ...bom, serialNumber })),
    serialNumber,
    packages: packages.map((p) => ({
      ...p,
      dependsOn: [...(edges.get(`npm:${p.dir}`) ?? [])]
        .filter((k) => k.startsWith('npm:'))
        .map((k) => k.slice(4))
        .sort(compareStrings),
    })),
  };
}
