// Test-only (excluded from the package build): a device's documents, images and firmware runners.
import type { DeviceIdentity } from '@fwkit/device-core';
import type { FirmwareLaunch, FirmwareRunner, HealthVerdict, RunningFirmware } from '@fwkit/device-run';
import { factoryIdentity } from './slot.js';
import {
  makeDevice,
  makeImage,
  makeRootJson,
  syntheticBytes,
  TEST_NOW,
  testKeys,
  type MadeImage,
  type MakeImageOptions,
} from '@fwkit/test-utils';

export const BLOCK = 4096;
export const now = (): Date => TEST_NOW;
export const rootJson = makeRootJson({ targetsKeys: [testKeys.targets1], targetsThreshold: 1 });

/** device.json of the test model, factory-fresh (no `installed`). */
export function identity(): DeviceIdentity {
  return factoryIdentity(makeDevice());
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface TestImageOptions {
  /** 4 KiB blocks of the blob (default 6). */
  readonly blobBlocks?: number;
  readonly model?: string;
  /** Default: testKeys.targets1 (the test root's targets key). */
  readonly signers?: MakeImageOptions['signers'];
  /** The supervisor's script (default: a comment naming the version; boots only under a test runner). */
  readonly supervisor?: string;
}

/** A synthetic image with 4 KiB blocks: a supervisor entry and a multi-block blob, distinct per version. */
export function image(firmware: string, security: number, options: TestImageOptions = {}): Promise<MadeImage> {
  const blocks = options.blobBlocks ?? 6;
  return makeImage({
    blockSize: BLOCK,
    firmware,
    security,
    payloads: [
      { path: 'supervisor/main.js', domain: 'supervisor', bytes: text(options.supervisor ?? `// supervisor ${firmware}\n`) },
      { path: 'core/blob.bin', domain: 'core', bytes: syntheticBytes(blocks * BLOCK + 123, `blob-${firmware}`) },
    ],
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.signers === undefined ? {} : { signers: options.signers }),
  });
}

export async function* stream(bytes: Uint8Array, chunk = 1000): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunk) yield await Promise.resolve(bytes.slice(offset, offset + chunk));
}

function running(verdict: HealthVerdict): RunningFirmware {
  return { verdict, exited: Promise.resolve(), groups: () => new Map(), restarts: () => new Map(), stop: () => Promise.resolve() };
}

/** Healthy whenever started (boot starts only a slot that verified). Records what it was asked to run. */
export function healthyRunner(launches: FirmwareLaunch[] = []): FirmwareRunner {
  return (launch) => {
    launches.push(launch);
    return Promise.resolve(
      running({
        ok: true,
        port: 0,
        model: launch.expect.model,
        version: launch.expect.version,
        counters: { frames: 1 },
        isolation: 'none',
      }),
    );
  };
}

/** Fails every start with `code` (a hung health check is HEALTH_TIMEOUT; the real hang is device-run's test). */
export function failingRunner(code: 'FIRMWARE_CRASHED' | 'HEALTH_TIMEOUT', launches: FirmwareLaunch[] = []): FirmwareRunner {
  return (launch) => {
    launches.push(launch);
    return Promise.resolve(running({ ok: false, code, reason: `${code} (test runner)` }));
  };
}

/** Healthy only for `version`. */
export function healthyOnly(version: string): FirmwareRunner {
  return (launch) =>
    Promise.resolve(
      launch.expect.version === version
        ? running({ ok: true, port: 0, model: launch.expect.model, version, counters: {}, isolation: 'none' })
        : running({ ok: false, code: 'FIRMWARE_CRASHED', reason: 'crashed (test runner)' }),
    );
}
