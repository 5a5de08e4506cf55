// Test-only (excluded from the package build): the SBOM writer fwkit had before its own, built on
// the CycloneDX library (models, SPDX id fix-up, JSON serializer with sorted lists) and
// packageurl-js, kept as the reference the writer in bom.ts must match byte for byte. Only the
// writing is here; the facts both write (attribution, package.json, lockfile, checks) are bom.ts's.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { PackageURL } from 'packageurl-js';
import { bundledFiles, compareStrings } from './attribute.js';
import {
  attribute,
  BUNDLED_SHA256_METHOD,
  bundledSha256,
  checkAccounted,
  checkInput,
  packageFacts,
  serialNumberFor,
  splitScope,
  trimDir,
} from './bom.js';
import { SbomError } from './errors.js';
import { parseLockfile, sha512FromIntegrity } from './lockfile.js';
import type { BundledPackage, Sbom, SbomInput } from './types.js';

function licenseModel(license: string): Models.License {
  const id = SPDX.fixupSpdxId(license);
  if (id !== undefined) return new Models.SpdxLicense(id);
  if (/\s(?:AND|OR|WITH)\s/.test(license)) return new Models.LicenseExpression(license);
  return new Models.NamedLicense(license);
}

function npmPurl(name: string, version: string): string {
  const { group, name: short } = splitScope(name);
  return new PackageURL('npm', group, short, version, undefined, undefined).toString();
}

function addSourceProperties(component: Models.Component, files: readonly { path: string; sha256: string }[]): void {
  component.hashes.set(Enums.HashAlgorithm['SHA-256'], bundledSha256(files));
  component.properties.add(new Models.Property('fwkit:bundled:files', String(files.length)));
  component.properties.add(new Models.Property('fwkit:bundled:sha256-method', BUNDLED_SHA256_METHOD));
}

/** `buildSbom` as it was with the CycloneDX library: the same input gives the same result. */
export function buildSbomWithLibrary(input: SbomInput): Sbom {
  checkInput(input);
  const lockfile = parseLockfile(input.lockfile);
  const { filesByOwner, edges } = attribute(input, lockfile);
  const { firmware } = input;

  const bom = new Models.Bom();
  const root = new Models.Component(Enums.ComponentType.Firmware, firmware.model, {
    version: firmware.version,
    bomRef: `fwkit:firmware/${firmware.model}@${firmware.version}`,
    description: firmware.modelName,
  });
  const supplier = (): Models.OrganizationalEntity => {
    const entity = new Models.OrganizationalEntity({ name: input.supplier.name });
    if (input.supplier.url !== undefined) entity.url.add(input.supplier.url);
    if (input.supplier.email !== undefined) entity.contact.add(new Models.OrganizationalContact({ email: input.supplier.email }));
    return entity;
  };
  bom.metadata.supplier = supplier();
  root.supplier = supplier();
  root.properties.add(new Models.Property('cdx:lifecycle:milestone:endOfSupport', firmware.endOfSupport));
  root.properties.add(new Models.Property('fwkit:security-version', String(firmware.security)));
  for (const revision of firmware.hardwareRevisions) root.properties.add(new Models.Property('fwkit:hardware-revision', revision));
  bom.metadata.component = root;
  bom.metadata.timestamp = new Date(input.sourceDateEpoch * 1000);
  for (const tool of input.tools) {
    bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, tool.name, { version: tool.version }));
  }

  const components = new Map<string, Models.Component>();
  const platformScope = splitScope(input.platform.name);
  const platformPurl = npmPurl(input.platform.name, input.platform.version);
  const platform = new Models.Component(Enums.ComponentType.Framework, platformScope.name, {
    group: platformScope.group,
    version: input.platform.version,
    purl: platformPurl,
    bomRef: platformPurl,
    description: 'Shared camera firmware platform',
    supplier: supplier(),
  });
  if (input.platform.license !== undefined) platform.licenses.add(licenseModel(input.platform.license));
  platform.properties.add(new Models.Property('fwkit:source:path', trimDir(input.platform.dir)));
  addSourceProperties(platform, filesByOwner.get('platform')?.files ?? []);
  components.set('platform', platform);

  // The runtime is on the device, not in the image: no files, but a vulnerability in it is one in
  // the firmware. The CPE is NVD's name for Node.js, so scanners match its advisories.
  const { runtime: rt } = input;
  const runtime = new Models.Component(Enums.ComponentType.Platform, rt.name, {
    version: rt.version,
    bomRef: `fwkit:runtime/${rt.name}@${rt.version}`,
    description: 'The JavaScript runtime the firmware runs on (part of the device, not of the image)',
    ...(rt.name === 'node' ? { cpe: `cpe:2.3:a:nodejs:node.js:${rt.version}:*:*:*:*:*:*:*` } : {}),
  });
  runtime.properties.add(new Models.Property('fwkit:runtime:endOfLife', rt.endOfLife));
  components.set('runtime', runtime);

  // The drivers are the maker's own code, not an npm package: a generic purl in the platform's scope.
  const driversPurl = new PackageURL(
    'generic',
    platformScope.group,
    `${input.product.id}-drivers`,
    firmware.version,
    undefined,
    undefined,
  ).toString();
  const product = new Models.Component(Enums.ComponentType.DeviceDriver, `${input.product.id}-drivers`, {
    version: firmware.version,
    purl: driversPurl,
    bomRef: `fwkit:product/${input.product.id}@${firmware.version}`,
    description: `Model-specific driver code of ${input.product.name}`,
    supplier: supplier(),
  });
  const driversLicense = input.product.license ?? input.platform.license;
  if (driversLicense !== undefined) product.licenses.add(licenseModel(driversLicense));
  product.properties.add(new Models.Property('fwkit:source:path', trimDir(input.product.dir)));
  addSourceProperties(product, filesByOwner.get('product')?.files ?? []);
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
    const component = new Models.Component(Enums.ComponentType.Library, scope.name, {
      group: scope.group,
      version: facts.version,
      purl,
      // Two installed copies of one name@version stay two components, told apart by folder.
      bomRef: (purlCount.get(purl) ?? 0) > 1 ? `${purl}#${dir}` : purl,
    });
    if (facts.license !== undefined) component.licenses.add(licenseModel(facts.license));
    addSourceProperties(component, files);
    if (sha512 !== undefined) component.hashes.set(Enums.HashAlgorithm['SHA-512'], sha512);
    component.properties.add(new Models.Property('cdx:npm:package:path', dir));
    components.set(`npm:${dir}`, component);
    packages.push({
      dir,
      name: facts.name,
      version: facts.version,
      purl,
      license: facts.license,
      files: files.length,
      sha256: bundledSha256(files),
      sha512,
    });
  }

  checkAccounted(bundledFiles(input.metafiles), filesByOwner, components);
  for (const component of components.values()) bom.components.add(component);
  root.dependencies.add(platform.bomRef);
  root.dependencies.add(product.bomRef);
  root.dependencies.add(runtime.bomRef);
  for (const [from, targets] of edges) {
    const source = components.get(from);
    for (const to of targets) {
      const target = components.get(to);
      if (source !== undefined && target !== undefined) source.dependencies.add(target.bomRef);
    }
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const encode = () => new TextEncoder().encode(`${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`);
  // Unique bom-refs everywhere: the serializer would otherwise invent random ones.
  const refs = [root, ...components.values()].map((c) => c.bomRef.value);
  if (new Set(refs).size !== refs.length || refs.some((r) => r === undefined)) {
    throw new SbomError('SBOM_INPUT_INVALID', 'components do not have unique bom-refs');
  }
  const serialNumber = serialNumberFor(encode());
  bom.serialNumber = serialNumber;
  return {
    bytes: encode(),
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
