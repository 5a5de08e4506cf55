import { rm } from 'node:fs/promises';
import { MAX_SOURCE_DATE_EPOCH } from '@fwkit/device-core';
import { MAX_MTIME } from '@fwkit/device-image';
import { TEST_EXPIRES } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fwkit } from './helpers.js';
import { makeVerifyDir } from './verify-fixture.js';

// --now, --date and SOURCE_DATE_EPOCH accept only their documented forms (core's time.ts parses
// them for every command): a bad flag is a usage error (exit 2), a bad SOURCE_DATE_EPOCH is
// EPOCH_INVALID (exit 1). `--now 0` used to verify as of 2000-01-01.

let dir: string;

beforeAll(async () => {
  dir = await makeVerifyDir('fwkit-time-inputs-');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const verifyAt = (now: string) =>
  fwkit(['verify', 'image.fwimg', '--trust', 'root.json', '--device', 'device.json', '--now', now, '--json'], { cwd: dir });

describe('verify --now', () => {
  // A few representatives per class (core's time.test.ts covers the forms): a number, a bare date.
  it.concurrent.each(['0', '2026-12-03'])('refuses %j with a usage error', async (now) => {
    const result = await verifyAt(now);
    expect(result.code, result.stderr).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'USAGE' });
  });

  it('takes an offset as the instant it names (the trust root expires at TEST_EXPIRES)', async () => {
    expect(TEST_EXPIRES.toISOString()).toBe('2036-01-01T00:00:00.000Z');
    // 00:30 at +01:00 is 23:30 UTC the day before: not expired yet.
    const before = await verifyAt('2036-01-01T00:30:00+01:00');
    expect(before.code, before.stderr).toBe(0);
    // 23:30 at -01:00 is 00:30 UTC the day after: expired.
    const after = await verifyAt('2035-12-31T23:30:00-01:00');
    expect(after.code, after.stderr).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ code: 'TRUST_ROOT_EXPIRED' });
    expect((await verifyAt('2026-12-03T10:00:00Z')).code).toBe(0);
  });
});

describe('release and matrix --date', () => {
  it.concurrent.each([
    ['release', '2026-02-30'],
    ['matrix', '2026-02-30'],
  ])('%s refuses --date %j with a usage error', async (command, date) => {
    const keys = command === 'release' ? ['--keys', 'keys'] : [];
    const result = await fwkit([command, ...keys, '--date', date, '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'USAGE' });
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  // `build` reads SOURCE_DATE_EPOCH before anything else: a good value reaches the key directory
  // (missing here: KEYS_NOT_FOUND), a bad one stops at EPOCH_INVALID.
  const buildWith = (epoch: string) =>
    fwkit(['build', '--all', '--keys', 'no-keys', '--json'], { cwd: dir, env: { SOURCE_DATE_EPOCH: epoch } });

  it.concurrent.each(['', '01', String(MAX_SOURCE_DATE_EPOCH + 1)])(
    'refuses %j with EPOCH_INVALID (exit 1); empty is not "unset"',
    async (epoch) => {
      const result = await buildWith(epoch);
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'EPOCH_INVALID' });
    },
  );

  it.concurrent.each(['0'])('accepts %j', async (epoch) => {
    const result = await buildWith(epoch);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'KEYS_NOT_FOUND' });
  });

  it('has the limit of the image format (a tar mtime)', () => {
    expect(MAX_SOURCE_DATE_EPOCH).toBe(MAX_MTIME);
  });
});
