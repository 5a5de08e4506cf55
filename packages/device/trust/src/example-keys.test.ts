import { readdirSync, readFileSync } from 'node:fs';
import { toHex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_KEYIDS, isExampleKeyId, keyIdOf, publicKeyOf, trustRootFromJSON, tufKeyOf } from './index.js';
import { privateKeyFromPem, publicKeyFromPem } from '@fwkit/release-signing';

const dir = new URL('../../../../keys.example/', import.meta.url);
const files = readdirSync(dir);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const keyidOfPub = (name: string) => keyIdOf(tufKeyOf(publicKeyFromPem(read(name))));

describe('keys.example', () => {
  it('has the five example key pairs, root.json and a README', () => {
    expect(files.sort()).toEqual(
      [
        'README.md',
        'root.json',
        ...['root-1', 'targets-1', 'targets-2', 'snapshot-1', 'timestamp-1'].flatMap((n) => [`${n}.key.pem`, `${n}.pub.pem`]),
      ].sort(),
    );
    expect(read('README.md')).toMatch(/EXAMPLE/);
    expect(read('README.md')).toMatch(/NEVER USE IN PRODUCTION/);
  });

  it('EXAMPLE_KEYIDS is exactly the keyids of keys.example/*.pub.pem', () => {
    const fromFiles = files.filter((f) => f.endsWith('.pub.pem')).map(keyidOfPub);
    expect(fromFiles).toHaveLength(5);
    expect([...EXAMPLE_KEYIDS].sort()).toEqual(fromFiles.sort());
  });

  it('each private key belongs to its public key', () => {
    for (const f of files.filter((n) => n.endsWith('.key.pem'))) {
      const pub = publicKeyFromPem(read(f.replace('.key.pem', '.pub.pem')));
      expect(toHex(publicKeyOf(privateKeyFromPem(read(f))))).toBe(toHex(pub));
    }
  });

  it('root.json lists only example keys, in the documented roles', () => {
    const trust = trustRootFromJSON(JSON.parse(read('root.json')), new Date('2026-01-01T00:00:00Z'));
    const ids = (role: 'root' | 'targets' | 'snapshot' | 'timestamp') => [...trust.role(role).keys.keys()];
    expect(ids('root')).toEqual([keyidOfPub('root-1.pub.pem')]);
    expect(ids('targets')).toEqual([keyidOfPub('targets-1.pub.pem'), keyidOfPub('targets-2.pub.pem')]);
    expect(trust.role('targets').threshold).toBe(2);
    expect(ids('snapshot')).toEqual([keyidOfPub('snapshot-1.pub.pem')]);
    expect(ids('timestamp')).toEqual([keyidOfPub('timestamp-1.pub.pem')]);
    expect(trust.expires.toISOString()).toBe('2036-01-01T00:00:00.000Z');
    for (const id of [...ids('root'), ...ids('targets'), ...ids('snapshot'), ...ids('timestamp')]) expect(isExampleKeyId(id)).toBe(true);
  });

  it('isExampleKeyId is false for other keys', () => {
    expect(isExampleKeyId('00'.repeat(32))).toBe(false);
    expect(isExampleKeyId('')).toBe(false);
  });
});
