// The CycloneDX 1.6 schema narrowed to the objects and properties fwkit's SBOMs hold. Compiled in
// full, the schema's validator is ~720 KB of code (services, vulnerabilities, formulation, model
// cards, cryptography…) that each build parses before its first SBOM; narrowed, ~230 KB. Pure.
//
// Narrowing only ever refuses more: a property the writer never emits gets the schema `false`, so
// a document holding it fails, and one without it meets the same checks as before. That is sound
// only where a stricter part makes the whole stricter, so `narrowToEmitted` refuses to narrow an
// object reachable under `not`, `if`, or a `oneOf` whose branches could both match (there,
// failing one branch could make a document pass).
import { isRecord } from '@fwkit/device-core';

/** The properties each narrowed object keeps, by the object's place in the schema (`#` is the BOM). */
export const EMITTED_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  '#': ['$schema', 'bomFormat', 'specVersion', 'serialNumber', 'version', 'metadata', 'components', 'dependencies'],
  '#/definitions/metadata': ['timestamp', 'tools', 'component', 'supplier', 'properties'],
  '#/definitions/component': [
    'type',
    'bom-ref',
    'supplier',
    'group',
    'name',
    'version',
    'description',
    'hashes',
    'licenses',
    'cpe',
    'purl',
    'properties',
  ],
};

type Schema = Record<string, unknown>;

/** Keywords under which a stricter subschema makes the schema stricter. */
const MONOTONE = new Set(['additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'then', 'else']);
const MONOTONE_LISTS = new Set(['allOf', 'anyOf', 'prefixItems']);
const MONOTONE_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** Keywords under which it may make the schema looser. */
const INVERTING = new Set(['not', 'if']);

/** Whether no value can match two of these schemas: each names one `type`, and no two the same. */
function typeDisjoint(branches: readonly unknown[]): boolean {
  const types = branches.map((b) => (isRecord(b) && typeof b['type'] === 'string' ? b['type'] : undefined));
  return types.every((t) => t !== undefined) && new Set(types).size === types.length;
}

/** Every place the schema can reach from its root, following local `$ref`s, and whether a stricter subschema there makes the whole stricter. */
function reachedPlaces(root: Schema): Map<string, boolean> {
  const reached = new Map<string, boolean>(); // place → monotone on every path so far
  const visit = (schema: unknown, place: string | undefined, monotone: boolean): void => {
    if (!isRecord(schema)) return;
    if (place !== undefined) {
      const before = reached.get(place);
      if (before === false || before === monotone) return;
      reached.set(place, monotone);
    }
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
        visit((root['definitions'] as Schema | undefined)?.[value.slice('#/definitions/'.length)], value, monotone);
      } else if (MONOTONE.has(keyword) || INVERTING.has(keyword)) {
        visit(value, undefined, monotone && !INVERTING.has(keyword));
      } else if (keyword === 'items') {
        for (const item of Array.isArray(value) ? value : [value]) visit(item, undefined, monotone);
      } else if (MONOTONE_LISTS.has(keyword) && Array.isArray(value)) {
        for (const branch of value) visit(branch, undefined, monotone);
      } else if (keyword === 'oneOf' && Array.isArray(value)) {
        const exclusive = typeDisjoint(value);
        for (const branch of value) visit(branch, undefined, monotone && exclusive);
      } else if (MONOTONE_MAPS.has(keyword) && isRecord(value)) {
        for (const sub of Object.values(value)) visit(sub, undefined, monotone);
      }
    }
  };
  visit(root, '#', true);
  return reached;
}

/**
 * `bom` (the CycloneDX BOM schema, parsed) with every property outside EMITTED_PROPERTIES refused.
 * Throws when the schema is not shaped as expected: a narrowed object missing, a kept property
 * unknown to it, or an object reachable where narrowing could loosen the schema.
 */
export function narrowToEmitted(bom: unknown, emitted: Readonly<Record<string, readonly string[]>> = EMITTED_PROPERTIES): unknown {
  if (!isRecord(bom)) throw new Error('the BOM schema is not an object');
  const narrowed = structuredClone(bom);
  const reached = reachedPlaces(narrowed);
  for (const [place, keep] of Object.entries(emitted)) {
    const object = place === '#' ? narrowed : (narrowed['definitions'] as Schema | undefined)?.[place.slice('#/definitions/'.length)];
    const properties = isRecord(object) ? object['properties'] : undefined;
    if (!isRecord(properties)) throw new Error(`the BOM schema has no object with properties at ${place}`);
    if (reached.get(place) !== true) throw new Error(`narrowing ${place} could loosen the BOM schema (or it is unreachable)`);
    for (const name of keep) if (!(name in properties)) throw new Error(`the BOM schema's ${place} has no property "${name}"`);
    for (const name of Object.keys(properties)) if (!keep.includes(name)) properties[name] = false;
  }
  // Definitions only the refused properties used: left out (the compiled code embeds the root schema, these with it).
  const definitions = narrowed['definitions'];
  if (isRecord(definitions)) {
    const used = reachedPlaces(narrowed);
    narrowed['definitions'] = Object.fromEntries(Object.entries(definitions).filter(([name]) => used.has(`#/definitions/${name}`)));
  }
  return narrowed;
}
