/**
 * The part of CycloneDX 1.6 JSON that fwkit's BOMs use, as plain data, and its writer. The writer
 * gives the bytes the CycloneDX library (10.x, JSON serializer, `sortLists: true`, `space: 2`) gave
 * for the same BOM, which made every fwkit BOM before it: the same keys in the same order, the same
 * lists sorted the same way, the same values left out. bom-library.test-support.ts holds it to that.
 */

import { compare } from './collation.js';

export type CdxComponentType = 'application' | 'device-driver' | 'firmware' | 'framework' | 'library' | 'platform';
export type CdxHashAlgorithm = 'SHA-256' | 'SHA-512';

export interface CdxProperty {
  readonly name: string;
  readonly value: string;
}

/** A licence: an SPDX id, an SPDX expression, or any other name. */
export type CdxLicense =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'expression'; readonly expression: string }
  | { readonly kind: 'name'; readonly name: string };

/** An organisation: its name, one web address and one contact e-mail address. */
export interface CdxOrganization {
  readonly name: string;
  readonly url?: string | undefined;
  readonly email?: string | undefined;
}

export interface CdxComponent {
  readonly type: CdxComponentType;
  readonly name: string;
  readonly group?: string | undefined;
  readonly version?: string | undefined;
  readonly bomRef?: string | undefined;
  readonly supplier?: CdxOrganization | undefined;
  readonly description?: string | undefined;
  readonly hashes?: readonly { readonly alg: CdxHashAlgorithm; readonly content: string }[];
  readonly license?: CdxLicense | undefined;
  readonly cpe?: string | undefined;
  readonly purl?: string | undefined;
  readonly properties?: readonly CdxProperty[];
  /** bom-refs of the components this one depends on (the dependency graph). */
  readonly dependsOn?: readonly string[];
}

export interface CdxBom {
  /** `urn:uuid:…`; a BOM without one is written without the field. */
  readonly serialNumber?: string | undefined;
  readonly timestamp: Date;
  readonly tools: readonly CdxComponent[];
  /** What the BOM describes: `metadata.component`, the root of the dependency graph. */
  readonly component: CdxComponent;
  readonly supplier: CdxOrganization;
  readonly components: readonly CdxComponent[];
}

/** The library's comparators, field by field, in en-US collation (collation.ts). Equal items keep their order (a stable sort). */
function compareComponents(a: CdxComponent, b: CdxComponent): number {
  const byRef = compare(a.bomRef ?? '', b.bomRef ?? '');
  if (byRef !== 0) return byRef;
  if (a.purl !== undefined && b.purl !== undefined) return compare(a.purl, b.purl);
  if (a.cpe !== undefined && b.cpe !== undefined) return compare(a.cpe, b.cpe);
  return compare(a.group ?? '', b.group ?? '') || compare(a.name, b.name) || compare(a.version ?? '', b.version ?? '');
}
const compareProperties = (a: CdxProperty, b: CdxProperty) => compare(a.name, b.name) || compare(a.value, b.value);
const compareHashes = (a: { alg: string; content: string }, b: { alg: string; content: string }) =>
  compare(a.alg, b.alg) || compare(a.content, b.content);

/** Empty strings are left out, like absent ones. */
const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** The library's best-effort IRI escaping of a URL (the few characters an IRI reference never holds). */
const URI_ESCAPES: Readonly<Record<string, string>> = {
  ' ': '%20',
  '"': '%22',
  "'": '%27',
  '[': '%5B',
  ']': '%5D',
  '<': '%3C',
  '>': '%3E',
  '{': '%7B',
  '}': '%7D',
};
const escapeUri = (url: string) => url.replace(/[ "'[\]<>{}]/g, (c) => URI_ESCAPES[c] ?? c);

function organizationJson(org: CdxOrganization) {
  const url = org.url === undefined ? '' : escapeUri(org.url);
  return {
    name: nonEmpty(org.name),
    url: url === '' ? undefined : [url],
    contact: org.email === undefined ? undefined : [{ email: nonEmpty(org.email) }],
  };
}

function licenseJson(license: CdxLicense) {
  switch (license.kind) {
    case 'id':
      return { license: { id: license.id } };
    case 'name':
      return { license: { name: license.name } };
    case 'expression':
      return { expression: license.expression };
  }
}

/** Keys in the order of the CycloneDX 1.6 normalizer; an undefined value leaves its key out. */
function componentJson(c: CdxComponent) {
  const hashes = c.hashes ?? [];
  const properties = c.properties ?? [];
  return {
    type: c.type,
    name: c.name,
    group: nonEmpty(c.group),
    version: nonEmpty(c.version),
    'bom-ref': nonEmpty(c.bomRef),
    supplier: c.supplier === undefined ? undefined : organizationJson(c.supplier),
    description: nonEmpty(c.description),
    hashes: hashes.length > 0 ? [...hashes].sort(compareHashes).map(({ alg, content }) => ({ alg, content })) : undefined,
    licenses: c.license === undefined ? undefined : [licenseJson(c.license)],
    cpe: nonEmpty(c.cpe),
    purl: c.purl,
    properties: properties.length > 0 ? [...properties].sort(compareProperties).map(({ name, value }) => ({ name, value })) : undefined,
  };
}

/**
 * One entry per component with a bom-ref, the root first, then the components in the given
 * order, sorted by ref (stable). `dependsOn` names only components of this BOM, never itself.
 */
function dependenciesJson(bom: CdxBom) {
  const all = [bom.component, ...bom.components];
  const refs = new Set(all.map((c) => c.bomRef));
  return all
    .flatMap((c) => {
      if (c.bomRef === undefined || c.bomRef === '') return [];
      const ref = c.bomRef;
      const dependsOn = (c.dependsOn ?? []).filter((d) => d !== ref && d !== '' && refs.has(d)).sort(compare);
      return [{ ref, dependsOn: dependsOn.length > 0 ? dependsOn : undefined }];
    })
    .sort((a, b) => compare(a.ref, b.ref));
}

/** The BOM as CycloneDX 1.6 JSON: two-space indented, ending in a newline. */
export function cycloneDxJson(bom: CdxBom): string {
  const document = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    serialNumber: bom.serialNumber,
    metadata: {
      timestamp: bom.timestamp.toISOString(),
      tools: bom.tools.length > 0 ? { components: [...bom.tools].sort(compareComponents).map(componentJson) } : undefined,
      component: componentJson(bom.component),
      supplier: organizationJson(bom.supplier),
    },
    components: [...bom.components].sort(compareComponents).map(componentJson),
    dependencies: dependenciesJson(bom),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
