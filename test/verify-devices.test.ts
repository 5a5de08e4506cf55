import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDevice, TEST_MODEL, TEST_NOW } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fwkit } from './helpers.js';
import { makeVerifyDir } from './verify-fixture.js';

// `fwkit verify` must fail closed on its device options: only --device alone, --model with --hw
// (and optionally --products), or an explicit --any-device are valid. Every other combination of
// the five options is a usage error (exit 2), so an incomplete selection can never silently skip
// the device rules and let a wrong-model image pass. The cases are generated, not listed.

const OPTIONS = ['--device', '--model', '--hw', '--any-device', '--products'] as const;
type Option = (typeof OPTIONS)[number];

/** The valid selections, as sets of options present (everything else must be exit 2). */
const VALID: readonly (readonly Option[])[] = [['--device'], ['--model', '--hw'], ['--model', '--hw', '--products'], ['--any-device']];

const combinations: Option[][] = Array.from({ length: 2 ** OPTIONS.length }, (_, bits) =>
  OPTIONS.filter((_, i) => (bits & (1 << i)) !== 0),
);

const isValid = (present: readonly Option[]): boolean =>
  VALID.some((v) => v.length === present.length && v.every((o) => present.includes(o)));

let dir: string;

beforeAll(async () => {
  dir = await makeVerifyDir('fwkit-verify-devices-');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VALUES: Record<Option, readonly string[]> = {
  '--device': ['--device', 'device.json'],
  '--model': ['--model', TEST_MODEL],
  '--hw': ['--hw', 'A'],
  '--any-device': ['--any-device'],
  '--products': ['--products', 'other-products'],
};

describe('fwkit verify device options (all 32 combinations)', () => {
  it('has 4 valid combinations and 28 usage errors', () => {
    expect(combinations).toHaveLength(32);
    expect(combinations.filter(isValid)).toHaveLength(VALID.length);
  });

  it.concurrent.each(combinations.map((present) => [present.join(' ') || '(none)', present] as const))('%s', async (_name, present) => {
    const args = ['verify', 'image.fwimg', '--trust', 'root.json', '--now', TEST_NOW.toISOString(), '--json'];
    for (const option of present) args.push(...VALUES[option]);
    const result = await fwkit(args, { cwd: dir });
    const summary = JSON.parse(result.stdout) as { ok: boolean; code: string | null; devices?: unknown[] };
    if (!isValid(present)) {
      expect(result.code, result.stderr).toBe(2);
      expect(summary).toMatchObject({ ok: false, code: 'USAGE' });
      expect(summary.devices).toBeUndefined();
      return;
    }
    expect([0, 1], result.stderr).toContain(result.code);
    // This image fits the device and the model, so every valid selection verifies it.
    expect(result.code, result.stderr).toBe(0);
    if (present.includes('--any-device')) expect(summary.devices).toEqual([]);
    else expect(summary.devices?.length, 'devices is never empty unless --any-device').toBeGreaterThan(0);
    if (present.includes('--model')) expect(summary.devices).toHaveLength(2);
  });
});

describe('fwkit verify and the signed upgradeFrom range', () => {
  const verify = (...extra: string[]) =>
    fwkit(['verify', 'image.fwimg', '--trust', 'root.json', '--now', TEST_NOW.toISOString(), ...extra], { cwd: dir });
  const device = async (name: string, installed: { firmware: string; security: number } | undefined) => {
    // JSON.stringify leaves out an undefined `installed`: a factory-fresh device.json.
    await writeFile(join(dir, name), JSON.stringify(makeDevice({ installed })));
    return name;
  };

  it('refuses a device whose installed firmware is outside it (0.9.0, ">=1.0.0") with UPGRADE_FROM_UNSUPPORTED', async () => {
    const result = await verify('--device', await device('old.json', { firmware: '0.9.0', security: 1 }), '--json');
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'UPGRADE_FROM_UNSUPPORTED' });
    const inside = await verify('--device', await device('current.json', { firmware: '1.0.0', security: 1 }), '--json');
    expect(inside.code, inside.stderr).toBe(0);
    expect(JSON.parse(inside.stdout)).toMatchObject({ ok: true, factory: false, notChecked: [], devices: [{ installed: '1.0.0' }] });
  });

  it('accepts a factory-fresh device (no installed firmware) and says it was factory provisioning', async () => {
    const path = await device('factory.json', undefined);
    const result = await verify('--device', path, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      factory: true,
      notChecked: ['upgradeFrom', 'securityVersion'],
      devices: [{ installed: null }],
    });
    expect((await verify('--device', path)).stdout).toMatch(/factory provisioning/);
  });

  it('says that upgradeFrom and the security version were not checked with --model/--hw (text and JSON)', async () => {
    const json = await verify('--model', TEST_MODEL, '--hw', 'A', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ factory: false, notChecked: ['upgradeFrom', 'securityVersion'] });
    const text = await verify('--model', TEST_MODEL, '--hw', 'A');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/upgradeFrom \(>=1\.0\.0\) and the security version were not checked/);
    const any = await verify('--any-device', '--json');
    expect(JSON.parse(any.stdout)).toMatchObject({ notChecked: ['device', 'upgradeFrom', 'securityVersion'] });
  });
});
