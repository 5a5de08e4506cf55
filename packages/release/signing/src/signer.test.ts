import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { canonicalJson, toHex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import {
  checkThreshold,
  generateKeyPair,
  keyIdOf,
  pae,
  trustRootFromJSON,
  tufKeyOf,
  verifyEd25519,
  type RoleKeys,
} from '@fwkit/device-trust';
import { createRootMetadata, privateKeyFromPem, signerFromPrivateKey, signEnvelope, type Signer } from './index.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('signerFromPrivateKey', () => {
  it('has the TUF keyid of its public key and signs with its private key', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    const signer = signerFromPrivateKey(privateKey);
    expect(signer.keyid).toBe(keyIdOf(tufKeyOf(publicKey)));
    expect(toHex(signer.publicKey)).toBe(toHex(publicKey));
    const sig = await signer.sign(text('hello'));
    expect(verifyEd25519(publicKey, text('hello'), sig)).toBe(true);
  });

  it('never exposes the private key through JSON.stringify, util.inspect or its properties', () => {
    const { privateKey } = generateKeyPair();
    const signer = signerFromPrivateKey(privateKey);
    const forms = [
      JSON.stringify(signer),
      inspect(signer, { showHidden: true, depth: Infinity, getters: true }),
      JSON.stringify(Object.getOwnPropertyNames(signer).map((k) => [k, (signer as unknown as Record<string, unknown>)[k]])),
    ];
    const secrets = [toHex(privateKey), Buffer.from(privateKey).toString('base64'), [...privateKey].join(', '), [...privateKey].join(',')];
    for (const form of forms) for (const secret of secrets) expect(form).not.toContain(secret);
    expect(Object.keys(signer).sort()).toEqual(['keyid', 'publicKey', 'sign']);
  });

  it('keeps its own copy of the key', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    const signer = signerFromPrivateKey(privateKey);
    privateKey.fill(0);
    expect(verifyEd25519(publicKey, text('x'), await signer.sign(text('x')))).toBe(true);
  });

  it('rejects a private key of the wrong length', () => {
    expect(() => signerFromPrivateKey(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });
});

describe('pae', () => {
  it('is DSSE v1 pre-authentication encoding with byte lengths', () => {
    expect(new TextDecoder().decode(pae('application/example', text('hello')))).toBe('DSSEv1 19 application/example 5 hello');
    expect(new TextDecoder().decode(pae('', new Uint8Array()))).toBe('DSSEv1 0  0 ');
    // Lengths count UTF-8 bytes, not characters.
    expect(new TextDecoder().decode(pae('é', text('€')))).toBe('DSSEv1 2 é 3 €');
  });
});

describe('signEnvelope', () => {
  const keys = [1, 2, 3].map(() => generateKeyPair());
  const signers = keys.map((k) => signerFromPrivateKey(k.privateKey));
  const role: RoleKeys = { threshold: 3, keys: new Map(keys.map((k) => [keyIdOf(tufKeyOf(k.publicKey)), k.publicKey])) };
  const type = 'application/vnd.fwkit.manifest+json';
  const body = text('{"model":"cam-1"}');

  it('signs PAE(type, body), one signature per signer, sorted by keyid', async () => {
    const sigs = await signEnvelope(type, body, [...signers].reverse());
    expect(sigs.map((s) => s.keyid)).toEqual(signers.map((s) => s.keyid).sort());
    expect(sigs.every((s) => /^[0-9a-f]{128}$/.test(s.sig))).toBe(true);
    expect(checkThreshold(pae(type, body), sigs, role)).toMatchObject({ ok: true });
    // Over PAE, not the bare body, and bound to the payload type.
    expect(checkThreshold(body, sigs, role)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(checkThreshold(pae('application/other', body), sigs, role)).toMatchObject({ ok: false });
  });

  it('signs once per distinct signer', async () => {
    const [first] = signers as [Signer];
    expect(await signEnvelope(type, body, [first, first, first])).toHaveLength(1);
  });

  it('is deterministic', async () => {
    expect(await signEnvelope(type, body, signers)).toEqual(await signEnvelope(type, body, signers));
  });

  it('refuses a signer whose signatures do not match its public key', async () => {
    const [a, b] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const wrongKey = signerFromPrivateKey(b.privateKey);
    const wired: Signer = { keyid: 'x', publicKey: a.publicKey, sign: (m) => wrongKey.sign(m) };
    await expect(signEnvelope(type, body, [wired])).rejects.toMatchObject({ code: 'SIGNER_INVALID' });
    const short: Signer = { keyid: 'y', publicKey: a.publicKey, sign: () => Promise.resolve(new Uint8Array(10)) };
    await expect(signEnvelope(type, body, [short])).rejects.toMatchObject({ code: 'SIGNER_INVALID' });
  });
});

describe('createRootMetadata', () => {
  const pair = () => generateKeyPair();
  const [root, t1, t2, snap, ts] = [pair(), pair(), pair(), pair(), pair()] as [
    ReturnType<typeof pair>,
    ReturnType<typeof pair>,
    ReturnType<typeof pair>,
    ReturnType<typeof pair>,
    ReturnType<typeof pair>,
  ];
  const roles = {
    root: { publicKeys: [root.publicKey], threshold: 1 },
    targets: { publicKeys: [t1.publicKey, t2.publicKey], threshold: 2 },
    snapshot: { publicKeys: [snap.publicKey], threshold: 1 },
    timestamp: { publicKeys: [ts.publicKey], threshold: 1 },
  };
  const expires = new Date('2036-01-01T00:00:00.789Z');

  it('makes root metadata that trustRootFromJSON accepts', async () => {
    const doc = await createRootMetadata({ version: 3, expires, roles }, [signerFromPrivateKey(root.privateKey)]);
    expect(doc.signed).toMatchObject({
      _type: 'root',
      spec_version: '1.0.31',
      version: 3,
      expires: '2036-01-01T00:00:00Z',
      consistent_snapshot: false,
    });
    const trust = trustRootFromJSON(JSON.parse(JSON.stringify(doc)), new Date('2030-01-01T00:00:00Z'));
    expect(trust.version).toBe(3);
    expect(trust.role('targets').threshold).toBe(2);
    expect([...trust.role('targets').keys.values()].map(toHex)).toEqual([t1.publicKey, t2.publicKey].map(toHex));
    // TUF signs the canonical JSON of "signed" directly.
    expect(verifyEd25519(root.publicKey, canonicalJson(doc.signed), Buffer.from(doc.signatures[0]?.sig ?? '', 'hex'))).toBe(true);
  });

  it('reproduces keys.example/root.json from the example keys', async () => {
    const dir = new URL('../../../../keys.example/', import.meta.url);
    const pem = (name: string) => privateKeyFromPem(readFileSync(new URL(`${name}.key.pem`, dir), 'utf8'));
    const signer = (name: string) => signerFromPrivateKey(pem(name));
    const doc = await createRootMetadata(
      {
        version: 1,
        expires: new Date('2036-01-01T00:00:00Z'),
        roles: {
          root: { publicKeys: [signer('root-1').publicKey], threshold: 1 },
          targets: { publicKeys: [signer('targets-1').publicKey, signer('targets-2').publicKey], threshold: 2 },
          snapshot: { publicKeys: [signer('snapshot-1').publicKey], threshold: 1 },
          timestamp: { publicKeys: [signer('timestamp-1').publicKey], threshold: 1 },
        },
      },
      [signer('root-1')],
    );
    expect(doc).toEqual(JSON.parse(readFileSync(new URL('root.json', dir), 'utf8')));
  });

  it('refuses roles that could never be satisfied or are malformed', async () => {
    const rootSigner = [signerFromPrivateKey(root.privateKey)];
    const bad = [
      { version: 1, expires, roles: { ...roles, targets: { publicKeys: [t1.publicKey], threshold: 2 } } },
      { version: 1, expires, roles: { ...roles, targets: { publicKeys: [t1.publicKey, t1.publicKey], threshold: 2 } } },
      { version: 1, expires, roles: { ...roles, snapshot: { publicKeys: [], threshold: 1 } } },
      { version: 1, expires, roles: { ...roles, timestamp: { publicKeys: [new Uint8Array(32)], threshold: 1 } } },
      { version: 0, expires, roles },
      { version: 1, expires: new Date('invalid'), roles },
    ];
    for (const opts of bad) await expect(createRootMetadata(opts, rootSigner)).rejects.toMatchObject({ code: 'ROOT_OPTIONS_INVALID' });
  });

  it('refuses to produce a root its signers cannot sign', async () => {
    await expect(createRootMetadata({ version: 1, expires, roles }, [signerFromPrivateKey(t1.privateKey)])).rejects.toMatchObject({
      code: 'ROOT_THRESHOLD_NOT_MET',
    });
    await expect(createRootMetadata({ version: 1, expires, roles }, [])).rejects.toMatchObject({ code: 'ROOT_THRESHOLD_NOT_MET' });
  });
});
