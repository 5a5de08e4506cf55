import { sha256 } from '@fwkit/device-core';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootMetadata, signerFromPrivateKey } from '@fwkit/release-signing';
import { publicKeyOf, ROLE_NAMES, type RoleName } from './index.js';
import { readTufRoot, TufRootStructureError } from './tuf-root.js';

/**
 * readTufRoot accepts exactly the root metadata that @tufjs/models' reader accepts, and reads the
 * same fields, on generated roots with generated damage. One deliberate difference: a root with no
 * `roles` at all, which @tufjs/models fills with empty default roles (so that only the signature
 * check refused it), is refused here as malformed.
 */

const privateKeys = [1, 2, 3].map((n) => sha256(new TextEncoder().encode(`tuf-root-property-${n}`)));
let bases: { signed: Record<string, unknown>; signatures: unknown[] }[] = [];

beforeAll(async () => {
  const roles = (k: number[]) =>
    Object.fromEntries(
      ROLE_NAMES.map((name) => [name, { publicKeys: k.map((i) => publicKeyOf(privateKeys[i] as Uint8Array)), threshold: 1 }]),
    );
  bases = await Promise.all(
    [[0], [0, 1], [1, 2]].map(async (k, n) => {
      const json = await createRootMetadata(
        {
          version: n + 1,
          expires: new Date('2036-01-01T00:00:00Z'),
          roles: roles(k) as Record<RoleName, { publicKeys: Uint8Array[]; threshold: number }>,
        },
        k.map((i) => signerFromPrivateKey(privateKeys[i] as Uint8Array)),
      );
      return JSON.parse(JSON.stringify(json)) as { signed: Record<string, unknown>; signatures: unknown[] };
    }),
  );
});

const DELETE = Symbol('delete');
const junk = fc.constantFrom<unknown>(
  DELETE,
  null,
  0,
  1,
  -1,
  1.5,
  '',
  '1',
  '1.0',
  '1.0.31',
  '2.0.0',
  '1.x',
  ' 1.0',
  'root',
  'targets',
  true,
  false,
  [],
  {},
  ['a'],
  ['a', 'a'],
  { a: 'b' },
  { a: {} },
  { a: 1 },
);

/** Paths into a root document, from the envelope down to keyvals and signature records. */
function pathsOf(doc: { signed: Record<string, unknown>; signatures: unknown[] }): (string | number)[][] {
  const signed = doc.signed;
  const keys = Object.keys(signed['keys'] as object);
  const paths: (string | number)[][] = [
    ['signed'],
    ['signatures'],
    ['signatures', 0],
    ['signatures', 0, 'keyid'],
    ['signatures', 0, 'sig'],
  ];
  for (const field of ['_type', 'spec_version', 'version', 'expires', 'consistent_snapshot', 'keys', 'roles', 'extra'])
    paths.push(['signed', field]);
  for (const id of keys) {
    paths.push(
      ['signed', 'keys', id],
      ['signed', 'keys', id, 'keytype'],
      ['signed', 'keys', id, 'scheme'],
      ['signed', 'keys', id, 'keyval'],
    );
    paths.push(['signed', 'keys', id, 'keyval', 'public'], ['signed', 'keys', id, 'keyval', 'private']);
  }
  for (const name of [...ROLE_NAMES, 'mirror']) {
    paths.push(['signed', 'roles', name], ['signed', 'roles', name, 'keyids'], ['signed', 'roles', name, 'threshold']);
  }
  return paths;
}

function setAt(doc: unknown, path: readonly (string | number)[], value: unknown): void {
  let target = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) return;
    target = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) Reflect.deleteProperty(target, last);
  else target[last] = value;
}

function reference(doc: object): unknown {
  try {
    const m = Metadata.fromJSON(MetadataKind.Root, structuredClone(doc) as Parameters<typeof Root.fromJSON>[0]);
    const r = m.signed;
    return {
      specVersion: r.specVersion,
      version: r.version,
      expires: r.expires,
      consistentSnapshot: r.consistentSnapshot,
      keys: Object.entries(r.keys).map(([id, k]) => [id, { keytype: k.keyType, scheme: k.scheme, keyval: k.keyVal }]),
      roles: Object.entries(r.roles).map(([name, role]) => [name, { keyids: role.keyIDs, threshold: role.threshold }]),
      signatures: Object.values(m.signatures).map((s) => ({ keyid: s.keyID, sig: s.sig })),
    };
  } catch {
    return 'refused';
  }
}

function ours(doc: object): unknown {
  try {
    const r = readTufRoot(structuredClone(doc) as Record<string, unknown>);
    return { ...r, keys: [...r.keys], roles: [...r.roles] };
  } catch (error) {
    expect(error).toBeInstanceOf(TufRootStructureError);
    return 'refused';
  }
}

describe('readTufRoot against @tufjs/models', () => {
  it('reads an undamaged root the same way', () => {
    for (const doc of bases) {
      expect(ours(doc)).toEqual(reference(doc));
      expect(ours(doc)).not.toBe('refused');
    }
  });

  it('accepts and refuses the same damaged roots, and reads the same fields', () => {
    const damage = fc.record({
      base: fc.nat(2),
      edits: fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(damage, ({ base, edits }) => {
        const doc = structuredClone(bases[base]) as { signed: Record<string, unknown>; signatures: unknown[] };
        const paths = pathsOf(doc);
        for (const [i, value] of edits) setAt(doc, paths[i % paths.length] as (string | number)[], value);
        // The edits may have replaced `signed` by anything.
        const signed: unknown = doc.signed;
        fc.pre(
          !(
            typeof signed === 'object' &&
            signed !== null &&
            !Array.isArray(signed) &&
            (signed as Record<string, unknown>)['roles'] === undefined
          ),
        );
        expect(ours(doc)).toEqual(reference(doc));
      }),
      { numRuns: 2000 },
    );
  });
});
