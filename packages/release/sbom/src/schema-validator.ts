import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from '@fwkit/device-core';
import { narrowToEmitted } from './narrow-schema.js';
import { cyclonedxSchemaFile, packageDir } from './schema-files.js';

/**
 * The CycloneDX 1.6 strict JSON schema as one compiled validator. Compiling it with ajv takes
 * about half of a cold `fwkit build`, so `npm run build` writes the compiled code once
 * (scripts/build-sbom-validator.mjs, from `schemaValidatorCode`) and a build loads it; without
 * that file (after a bare `tsc -b`) or when it was made from other inputs, the same schemas are
 * compiled here at first use. Both ways
 * use the ajv options, schemas and formats below, the ones the CycloneDX library's own validator
 * uses — the schemas without their annotations, a format's verdicts remembered: neither changes
 * an answer (sbom.test.ts holds the two validators to the same verdicts). The BOM schema is
 * narrowed to what fwkit writes (narrow-schema.ts), which only ever refuses more.
 */

const require = createRequire(import.meta.url);

export type SchemaValidator = (data: unknown) => { readonly ok: true } | { readonly ok: false; readonly errors: unknown };

/** Where `npm run build` writes the compiled validator: beside this module's compiled form. */
export const VALIDATOR_CODE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'cyclonedx-1.6.validate.cjs');

const SCHEMA_URL_BASE = 'http://cyclonedx.org/schema/';
/** Schema files in the library's res/schema, and the ids the BOM schema refers to them by. */
const SCHEMA_FILES = {
  bom: 'bom-1.6.SNAPSHOT.schema.json',
  refs: ['spdx.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'],
} as const;
/** Packages whose version changes the compiled code. */
const CODE_PACKAGES = ['ajv', 'ajv-formats', 'ajv-formats-draft2019', '@cyclonedx/cyclonedx-library'] as const;
/** Names how this module turns the schemas into code; changed with it, so that an older compiled file is made again. */
const GENERATOR = 'fwkit-sbom-validator-3: narrowed to the emitted properties, annotations left out, idn-email verdicts remembered';

// The compiled code holds the schema objects it refers to (the enum lists, for one), and with them
// every title, description and example: ~1 MB that each build parsed and allocated before its
// first SBOM. JSON Schema annotations never change a verdict, so they are left out.
const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', 'deprecated', 'meta:enum']);
/** Keywords (draft-07 and later) whose value is a schema, a list of schemas, or a map of names to schemas. */
const SUBSCHEMA = new Set([
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);

const mapValues = (map: Record<string, unknown>, f: (value: unknown) => unknown) =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key, f(value)]));

/**
 * `schema` without its annotations, keyword by keyword: only where a schema can stand, so that a
 * property named `description`, or an object inside `enum`, `const` or `default`, is data and stays.
 */
export function withoutAnnotations(schema: unknown): unknown {
  if (!isRecord(schema)) return schema; // a boolean schema
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (SUBSCHEMA.has(keyword)) out[keyword] = withoutAnnotations(value);
    else if (SUBSCHEMA_LISTS.has(keyword) && Array.isArray(value)) out[keyword] = value.map(withoutAnnotations);
    else if (SUBSCHEMA_MAPS.has(keyword) && isRecord(value)) out[keyword] = mapValues(value, withoutAnnotations);
    else if (keyword === 'items') out[keyword] = Array.isArray(value) ? value.map(withoutAnnotations) : withoutAnnotations(value);
    // draft-07 `dependencies`: a list of property names (data) or a schema, per property.
    else if (keyword === 'dependencies' && isRecord(value))
      out[keyword] = mapValues(value, (v) => (Array.isArray(v) ? v : withoutAnnotations(v)));
    else out[keyword] = value;
  }
  return out;
}

interface SchemaInputs {
  /** The schemas, parsed only when they are compiled (a build that loads the compiled code needs only the fingerprint). */
  readonly bom: () => unknown;
  readonly refs: () => Readonly<Record<string, unknown>>;
  /** SHA-256 over the generator, the schema bytes and the versions of the code packages: names one compiled validator. */
  readonly fingerprint: string;
}

function loadSchemaInputs(): SchemaInputs {
  const hash = createHash('sha256').update(`${GENERATOR}\n`);
  for (const name of CODE_PACKAGES) {
    const { version } = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string };
    hash.update(`${name}@${version}\n`);
  }
  const read = (file: string): Buffer => {
    const bytes = readFileSync(cyclonedxSchemaFile(file));
    hash.update(`${file} ${bytes.byteLength}\n`).update(bytes);
    return bytes;
  };
  const bom = read(SCHEMA_FILES.bom);
  const refs = SCHEMA_FILES.refs.map((file) => [`${SCHEMA_URL_BASE}${file}`, read(file)] as const);
  return {
    bom: () => narrowToEmitted(withoutAnnotations(JSON.parse(bom.toString('utf8')))),
    refs: () => Object.fromEntries(refs.map(([id, bytes]) => [id, withoutAnnotations(JSON.parse(bytes.toString('utf8')))])),
    fingerprint: hash.digest('hex'),
  };
}

interface AjvValidate {
  (data: unknown): boolean;
  errors?: unknown;
}

/**
 * A format check that remembers its verdicts. `idn-email` parses each address with an Earley
 * parser (~1 ms each): every SBOM of a build names the same supplier address four times and is
 * checked twice, which cost a cold build of the example ~30 ms. Self-contained: the compiled
 * validator carries its source.
 */
function rememberVerdicts(check: (value: string) => boolean): (value: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (value) => {
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      verdict = check(value);
      verdicts.set(value, verdict);
    }
    return verdict;
  };
}

const IDN_EMAIL_MODULE = 'ajv-formats-draft2019/formats/idn-email';

/** The library's ajv set-up (no defaults, lax strictness, no remote schemas; date-time, uri, idn-email and friends checked). */
function compile(inputs: SchemaInputs, source: boolean): { validate: AjvValidate; code?: string } {
  const { default: Ajv, _ } = require('ajv') as typeof import('ajv');
  const { _Code } = require('ajv/dist/compile/codegen/code.js') as typeof import('ajv/dist/compile/codegen/code.js');
  const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
  const ajv = new Ajv({
    useDefaults: false,
    strict: false,
    strictSchema: false,
    addUsedSchema: false,
    schemas: inputs.refs() as Record<string, object>,
    loadSchema: (uri: string) => {
      throw new Error(`remote schemas are disabled: ${uri}`);
    },
    // The compiled code names the same format functions, loaded from the same packages at run time.
    code: source
      ? {
          source: true,
          formats: _`Object.assign({}, require("ajv-formats/dist/formats").fullFormats, { "idn-email": ${new _Code(`(${rememberVerdicts.toString()})`)}(require(${IDN_EMAIL_MODULE})) })`,
        }
      : {},
  });
  addFormats(ajv);
  ajv.addFormat('idn-email', rememberVerdicts(require(IDN_EMAIL_MODULE) as (value: string) => boolean));
  ajv.addFormat('iri-reference', true);
  const validate = ajv.compile(inputs.bom() as object) as AjvValidate;
  if (!source) return { validate };
  const { default: standaloneCode } = require('ajv/dist/standalone') as { default: (ajv: unknown, validate: unknown) => string };
  return { validate, code: standaloneCode(ajv, validate) };
}

const FINGERPRINT_PREFIX = '// fwkit schema validator inputs: ';

/** The compiled validator's module text, its first line naming the inputs it was made from. */
export function schemaValidatorCode(): string {
  const inputs = loadSchemaInputs();
  const { code } = compile(inputs, true);
  if (code === undefined) throw new Error('internal: ajv produced no standalone code');
  return `${FINGERPRINT_PREFIX}${inputs.fingerprint}\n${code}`;
}

/** The first bytes of a file (fewer when it is shorter), or undefined when there is no such file. */
function headOf(path: string, bytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, readSync(fd, head, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

function loadCompiled(inputs: SchemaInputs): AjvValidate | undefined {
  // Only its first line is compared (require reads the code once more).
  const expected = Buffer.from(`${FINGERPRINT_PREFIX}${inputs.fingerprint}\n`, 'utf8');
  const head = headOf(VALIDATOR_CODE_PATH, expected.byteLength);
  // Absent, or made from other schemas or package versions (stale): compiled afresh instead.
  if (head === undefined || !head.equals(expected)) return undefined;
  return require(VALIDATOR_CODE_PATH) as AjvValidate;
}

let cached: SchemaValidator | undefined;

/** The CycloneDX 1.6 strict validator: the compiled code when it matches the schemas, else compiled now (once per process). */
export function schemaValidator(): SchemaValidator {
  if (cached === undefined) {
    const inputs = loadSchemaInputs();
    const validate = loadCompiled(inputs) ?? compile(inputs, false).validate;
    cached = (data) => (validate(data) ? { ok: true } : { ok: false, errors: validate.errors });
  }
  return cached;
}
