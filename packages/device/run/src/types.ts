import type { Grants } from '@fwkit/device-core';
import type { Control } from './sandbox.js';

/** One security domain of the slot's signed manifest. */
export interface DomainLaunch {
  /** The domain's bundle, relative to payloadDir. */
  readonly entry: string;
  readonly grants: Grants;
}

/**
 * How the domains are isolated. `os`: each domain in its own sandbox (docs/security-domains.md);
 * `none`: the development mode, plain processes (the health report says so).
 */
export type Isolation =
  | {
      readonly mode: 'os';
      /** The device's volatile state: the domains' writable /run paths are made under it. */
      readonly stateDir: string;
      /** The device's first domain uid and gid; each grant user gets base + its index among the sorted names. */
      readonly uidBase: number;
      /** Test only: controls switched off, to show that an attack then succeeds. Never set by a command. */
      readonly without?: readonly Control[];
    }
  | { readonly mode: 'none' };

/** What the launcher needs to start one slot's firmware (the contract with @fwkit/device-install). */
export interface FirmwareLaunch {
  /** Directory holding the slot's verified payload files at their manifest paths. */
  readonly payloadDir: string;
  /** The manifest's domains: `supervisor` (the relay) and the domains it relays between. */
  readonly domains: Readonly<Record<string, DomainLaunch>>;
  /** From the slot's signed manifest: what the health check must see. */
  readonly expect: { readonly model: string; readonly version: string };
  /** Identity facts handed to the firmware (e.g. FWKIT_HARDWARE_REVISION). Never a key. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the firmware has to answer healthy before the trial counts as hung (default 15000 ms). */
  readonly healthTimeoutMs?: number;
  readonly isolation: Isolation;
  /** The port to listen on instead of the grant's (0: any free port, as tests and `device boot` use). */
  readonly listenPort?: number;
  /** Receives each stderr line of every domain (cut to 1 KiB), e.g. for the device's journal. */
  readonly log?: (line: string) => void;
}

export type FirmwareFailureCode = 'FIRMWARE_START_FAILED' | 'FIRMWARE_CRASHED' | 'HEALTH_TIMEOUT' | 'HEALTH_MISMATCH';

export type HealthVerdict =
  | {
      readonly ok: true;
      readonly port: number;
      readonly model: string;
      readonly version: string;
      readonly counters: Readonly<Record<string, number>>;
      /** How the domains run: `none` only in the development mode. */
      readonly isolation: Isolation['mode'];
    }
  | { readonly ok: false; readonly code: FirmwareFailureCode; readonly reason: string };

export interface RunningFirmware {
  readonly verdict: HealthVerdict;
  /** Settles when every firmware process has exited. */
  readonly exited: Promise<void>;
  /** The process group of each running domain. */
  groups(): ReadonlyMap<string, number>;
  /** How often each outward-facing domain was restarted. */
  restarts(): ReadonlyMap<string, number>;
  /** Stops the firmware (SIGTERM, then SIGKILL after a grace); leaves no process behind. Idempotent. */
  stop(): Promise<void>;
}

export type FirmwareRunner = (launch: FirmwareLaunch) => Promise<RunningFirmware>;

export const DEFAULT_HEALTH_TIMEOUT_MS = 15_000;
