import { toHex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import {
  checkThreshold,
  judgeSignatures,
  keyIdOf,
  publicKeyOf,
  signEd25519,
  tufKeyOf,
  type RoleKeys,
  type SignatureRecord,
} from './index.js';

const seed = (n: number) => new Uint8Array(32).fill(n);
const [a, b, c, stranger] = [seed(1), seed(2), seed(3), seed(9)].map((privateKey) => {
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, keyid: keyIdOf(tufKeyOf(publicKey)) };
}) as [Key, Key, Key, Key];
interface Key {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  keyid: string;
}

const message = new TextEncoder().encode('manifest');
const sign = (key: Key, keyid = key.keyid, msg = message): SignatureRecord => ({ keyid, sig: toHex(signEd25519(key.privateKey, msg)) });
const role = (threshold: number, ...keys: Key[]): RoleKeys => ({ threshold, keys: new Map(keys.map((k) => [k.keyid, k.publicKey])) });
const corrupt = (s: SignatureRecord): SignatureRecord => ({ keyid: s.keyid, sig: (s.sig.startsWith('0') ? '1' : '0') + s.sig.slice(1) });

describe('checkThreshold', () => {
  it('is met by a threshold of distinct trusted keys, and lists them sorted', () => {
    const result = checkThreshold(message, [sign(b), sign(a)], role(2, a, b, c));
    expect(result).toEqual({ ok: true, signers: [a.keyid, b.keyid].sort() });
  });

  it('does not care about signature order or extra signatures from unknown keys', () => {
    expect(checkThreshold(message, [sign(stranger), sign(a), sign(c)], role(2, a, b, c)).ok).toBe(true);
  });

  it('reports SIGNATURE_KEY_UNKNOWN when no signature comes from a trusted key', () => {
    expect(checkThreshold(message, [sign(stranger)], role(1, a))).toMatchObject({ ok: false, code: 'SIGNATURE_KEY_UNKNOWN', validKeys: 0 });
    expect(checkThreshold(message, [], role(1, a))).toMatchObject({ ok: false, code: 'SIGNATURE_KEY_UNKNOWN' });
  });

  it('names the keyids that signed and the trusted ones when no signature is from a trusted key', () => {
    const result = checkThreshold(message, [sign(stranger), sign(stranger)], role(1, a, b));
    const trusted = [a.keyid, b.keyid].sort();
    expect(result).toMatchObject({ ok: false, signedBy: [stranger.keyid], trusted });
    const short = (k: string) => `${k.slice(0, 16)}…`;
    expect(result.ok ? '' : result.message).toBe(
      `no signature is from a trusted key (0/1): signed by ${short(stranger.keyid)}; trusted: ${trusted.map(short).join(', ')}`,
    );
    const unsigned = checkThreshold(message, [], role(1, a));
    expect(unsigned.ok ? '' : unsigned.message).toBe(
      `no signature is from a trusted key (0/1): there is no signature; trusted: ${short(a.keyid)}`,
    );
  });

  it('reports SIGNATURE_THRESHOLD_NOT_MET when too few trusted keys signed', () => {
    expect(checkThreshold(message, [sign(a)], role(2, a, b))).toMatchObject({
      ok: false,
      code: 'SIGNATURE_THRESHOLD_NOT_MET',
      validKeys: 1,
      threshold: 2,
    });
  });

  it('counts one signature repeated only once', () => {
    expect(checkThreshold(message, [sign(a), sign(a)], role(2, a, b))).toMatchObject({ code: 'SIGNATURE_THRESHOLD_NOT_MET', validKeys: 1 });
  });

  it('counts one public key listed under two keyids only once (threat: threshold)', () => {
    const alias = keyIdOf({ ...tufKeyOf(a.publicKey), 'x-alias': 1 });
    const twoIds: RoleKeys = {
      threshold: 2,
      keys: new Map([
        [a.keyid, a.publicKey],
        [alias, a.publicKey],
      ]),
    };
    const result = checkThreshold(message, [sign(a), sign(a, alias)], twoIds);
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_THRESHOLD_NOT_MET', validKeys: 1, threshold: 2 });
    // With a second, really distinct key it is met.
    const withB: RoleKeys = { threshold: 2, keys: new Map([...twoIds.keys, [b.keyid, b.publicKey]]) };
    expect(checkThreshold(message, [sign(a), sign(a, alias), sign(b)], withB)).toMatchObject({ ok: true });
  });

  it('reports SIGNATURE_INVALID when a trusted key signature does not verify', () => {
    expect(checkThreshold(message, [sign(a), corrupt(sign(b))], role(2, a, b))).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
      validKeys: 1,
    });
    // Signed, but over other bytes.
    expect(checkThreshold(message, [sign(a, a.keyid, new TextEncoder().encode('other'))], role(1, a))).toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    // A stranger's signature under a trusted keyid.
    expect(checkThreshold(message, [sign(stranger, a.keyid)], role(1, a))).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('still succeeds when the threshold is met despite a bad signature', () => {
    expect(checkThreshold(message, [sign(a), corrupt(sign(b)), sign(c)], role(2, a, b, c))).toEqual({
      ok: true,
      signers: [a.keyid, c.keyid].sort(),
    });
  });

  it('treats malformed signature records as invalid and never throws', () => {
    const good = sign(a).sig;
    const malformed: unknown[] = ['zz'.repeat(64), good.toUpperCase(), good.slice(2), good + '00', '', 42, null, undefined, { hex: good }];
    for (const sig of malformed) {
      const records = [{ keyid: a.keyid, sig }] as unknown as SignatureRecord[];
      expect(() => checkThreshold(message, records, role(1, a))).not.toThrow();
      expect(checkThreshold(message, records, role(1, a))).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    }
    const badKeyids = [{ keyid: 7, sig: good }, { sig: good }, { keyid: '__proto__', sig: good }] as unknown as SignatureRecord[];
    expect(checkThreshold(message, badKeyids, role(1, a))).toMatchObject({ ok: false, code: 'SIGNATURE_KEY_UNKNOWN' });
  });

  it('never treats a threshold below 1 as met', () => {
    for (const threshold of [0, -1, 0.5, Number.NaN]) {
      expect(checkThreshold(message, [], role(threshold, a)).ok).toBe(false);
      expect(checkThreshold(message, [sign(a)], role(threshold, a)).ok).toBe(false);
    }
  });
});

describe('judgeSignatures', () => {
  it('says for each entry whether it counts, and why not', () => {
    // b's public key also listed under a second keyid.
    const alias = 'f'.repeat(64);
    const keys: RoleKeys = { threshold: 2, keys: new Map([...role(2, a, b, c).keys, [alias, b.publicKey]]) };
    const records = [
      sign(a),
      sign(stranger),
      corrupt(sign(c)),
      { keyid: c.keyid, sig: 'not hex' },
      sign(b),
      sign(b, alias),
      { keyid: 42, sig: '' } as unknown as SignatureRecord,
    ];
    expect(judgeSignatures(message, records, keys).map((j) => [j.status, j.fromRoleKey, j.sameKeyAs])).toEqual([
      ['counted', true, undefined],
      ['key-unknown', false, undefined],
      ['bad-signature', true, undefined],
      ['malformed', true, undefined],
      ['counted', true, undefined],
      ['duplicate-key', true, b.keyid],
      ['malformed', false, undefined],
    ]);
    // The threshold check is made of the same judgements: the two counted keys meet it.
    expect(checkThreshold(message, records, keys)).toEqual({ ok: true, signers: [a.keyid, b.keyid].sort() });
  });

  it('judges a signature that is not exactly 128 lowercase hex characters malformed, not merely bad', () => {
    const good = sign(a).sig;
    for (const sig of ['ab' + good, good + 'ab', good.slice(0, 126) + 'zz', [good], 'ab'.repeat(32)]) {
      const [judged] = judgeSignatures(message, [{ keyid: a.keyid, sig } as unknown as SignatureRecord], role(1, a));
      expect(judged?.status).toBe('malformed');
    }
    expect(judgeSignatures(message, [{ keyid: a.keyid, sig: good }], role(1, a))[0]?.status).toBe('counted');
  });
});

describe('what a failed threshold check names', () => {
  it('lists the trusted keyids sorted, whatever the order of the role', () => {
    const sorted = [a.keyid, b.keyid, c.keyid].sort();
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      const result = checkThreshold(message, [sign(a)], role(2, ...order));
      expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_THRESHOLD_NOT_MET', validKeys: 1, threshold: 2, trusted: sorted });
    }
  });

  it('lists the keyids that signed once each, in order, leaving out records without one', () => {
    const records = [sign(stranger), { sig: sign(a).sig }, sign(b), sign(stranger), { keyid: 7, sig: '' }] as unknown as SignatureRecord[];
    const result = checkThreshold(message, records, role(2, a, b));
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_THRESHOLD_NOT_MET', validKeys: 1 });
    expect(result.ok ? [] : result.signedBy).toEqual([stranger.keyid, b.keyid]);
  });
});
