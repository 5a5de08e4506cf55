// Test-only (excluded from the package build): the base image, trust root and helpers the verify tests share.
import { type DeviceIdentity } from '@fwkit/device-core';
import type { TrustRoot } from '@fwkit/device-trust';
import {
  chunked,
  makeDevice,
  makeImage,
  makeTrustRoot,
  syntheticBytes,
  TEST_NOW,
  testKeys,
  type MadeImage,
  type MakeImageOptions,
} from '@fwkit/test-utils';
import { beforeAll, expect } from 'vitest';
import { VerifyError, type VerifyErrorCode } from './errors.js';
import { verifyImage, type VerifyOptions } from './verify.js';

export const SMALL_BLOCK = 4096;
export const MiB = 1024 * 1024;
export const text = (s: string) => new TextEncoder().encode(s);

/** Small payloads, 4 KiB blocks: `data/blob.bin` spans four blocks, the last one short. */
export const PAYLOADS = [
  { path: 'app/main.js', domain: 'app', bytes: text('import { start } from "./platform.js";\nstart();\n') },
  { path: 'data/blob.bin', domain: 'app', bytes: syntheticBytes(3 * SMALL_BLOCK + 100, 'blob') },
];

// Set by the hooks `useBaseImage` registers (ES module bindings are live, so importers see the values).
export let trust: TrustRoot;
export let base: MadeImage;

export function baseImage(options: MakeImageOptions = {}): Promise<MadeImage> {
  return makeImage({ blockSize: SMALL_BLOCK, payloads: PAYLOADS, ...options });
}

/** Builds `trust` and `base` before the calling test file's tests. */
export function useBaseImage(): void {
  beforeAll(async () => {
    trust = makeTrustRoot({ targetsKeys: [testKeys.targets1], targetsThreshold: 1 }).trust;
    base = await baseImage();
  });
}

interface Recorded {
  path: string;
  offset: number;
  bytes: Uint8Array;
}

export function recordingSink(): { sink: NonNullable<VerifyOptions['sink']>; calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    sink: {
      block(path, offset, bytes) {
        calls.push({ path, offset, bytes: Uint8Array.from(bytes) });
        return Promise.resolve();
      },
    },
  };
}

export async function verifyCode(bytes: Uint8Array, options: Partial<VerifyOptions> = {}): Promise<VerifyErrorCode | 'OK'> {
  try {
    await verifyImage(chunked(bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, ...options });
    return 'OK';
  } catch (error) {
    if (error instanceof VerifyError) return error.code;
    throw error;
  }
}

/** One image the verifier must reject, and the code it must reject it with. */
export interface Case {
  readonly name: string;
  readonly image: () => Uint8Array | Promise<Uint8Array>;
  readonly code: VerifyErrorCode;
  readonly trust?: () => TrustRoot;
  readonly device?: DeviceIdentity | 'any-device';
  readonly now?: Date;
}

/** The body of each table's `rejects: %s` test. */
export async function expectRejected(c: Case): Promise<void> {
  const bytes = await c.image();
  const { sink, calls } = recordingSink();
  const code = await verifyCode(bytes, {
    ...(c.trust === undefined ? {} : { trust: c.trust() }),
    ...(c.device === undefined ? {} : { devices: c.device === 'any-device' ? 'any-device' : [c.device] }),
    ...(c.now === undefined ? {} : { now: c.now }),
    sink,
  });
  expect(code).toBe(c.code);
  // Whatever the failure, the sink only ever saw true blocks of the true payloads.
  for (const call of calls) {
    const payload = PAYLOADS.find((p) => p.path === call.path) ?? base.payloads.find((p) => p.path === call.path);
    expect(payload).toBeDefined();
    expect(
      Buffer.from(call.bytes).equals(Buffer.from(payload?.bytes.subarray(call.offset, call.offset + call.bytes.byteLength) ?? [])),
    ).toBe(true);
  }
}
