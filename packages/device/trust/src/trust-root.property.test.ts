import { sha256 } from '@fwkit/device-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRootMetadata, signerFromPrivateKey } from '@fwkit/release-signing';
import { publicKeyOf, ROLE_NAMES, trustRootFromJSON, type RoleName } from './index.js';

/** parse ∘ serialize is the identity for root.json: what a device parsed, written out and parsed again, is the same trust root. */

const NOW = new Date('2026-06-01T00:00:00Z');
const privateKeys = [1, 2, 3, 4].map((n) => sha256(new TextEncoder().encode(`trust-root-property-${n}`)));
const publicKeys = privateKeys.map(publicKeyOf);

/** A role: a non-empty subset of the key pool and a threshold it can meet. */
const role = fc
  .subarray([0, 1, 2, 3], { minLength: 1 })
  .chain((indexes) => fc.record({ indexes: fc.constant(indexes), threshold: fc.integer({ min: 1, max: indexes.length }) }));

const rootOptions = fc.record({
  version: fc.integer({ min: 1, max: 1_000_000 }),
  // Whole seconds, after NOW: TUF dates carry no milliseconds, and an expired root is refused.
  expiresSeconds: fc.integer({ min: Math.floor(NOW.getTime() / 1000) + 1, max: Math.floor(Date.UTC(9999, 0, 1) / 1000) }),
  roles: fc.record(Object.fromEntries(ROLE_NAMES.map((name) => [name, role])) as Record<RoleName, typeof role>),
});

function summary(trust: ReturnType<typeof trustRootFromJSON>): unknown {
  return {
    version: trust.version,
    expires: trust.expires.toISOString(),
    roles: Object.fromEntries(ROLE_NAMES.map((name) => [name, trust.role(name)])),
    metadata: trust.metadata,
  };
}

describe('root.json: parse ∘ serialize is the identity', () => {
  it('any well-formed root signed by its root role', async () => {
    await fc.assert(
      fc.asyncProperty(rootOptions, async ({ version, expiresSeconds, roles }) => {
        const rootRole = roles.root;
        const json = await createRootMetadata(
          {
            version,
            expires: new Date(expiresSeconds * 1000),
            roles: Object.fromEntries(
              ROLE_NAMES.map((name) => [
                name,
                { publicKeys: roles[name].indexes.map((i) => publicKeys[i] as Uint8Array), threshold: roles[name].threshold },
              ]),
            ) as Record<RoleName, { publicKeys: Uint8Array[]; threshold: number }>,
          },
          rootRole.indexes.map((i) => signerFromPrivateKey(privateKeys[i] as Uint8Array)),
        );
        const first = trustRootFromJSON(JSON.parse(JSON.stringify(json)) as unknown, NOW);
        const text = JSON.stringify(first.metadata, null, 2);
        const again = trustRootFromJSON(JSON.parse(text) as unknown, NOW);
        expect(summary(again)).toEqual(summary(first));
        expect(JSON.stringify(again.metadata, null, 2)).toBe(text);
      }),
      { numRuns: 40 },
    );
  });
});
