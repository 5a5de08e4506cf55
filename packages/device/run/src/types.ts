/** What the launcher needs to start one slot's firmware (the contract with @fwkit/device-install). */
export interface FirmwareLaunch {
  /** Directory holding the slot's verified payload files at their manifest paths (supervisor/main.js, core/main.js, protocol/main.js, ...). */
  readonly payloadDir: string;
  /** The supervisor domain's entry, relative to payloadDir (the manifest's domains.supervisor.entry). */
  readonly supervisorEntry: string;
  /** From the slot's signed manifest: what the health check must see. */
  readonly expect: { readonly model: string; readonly version: string };
  /** Identity facts handed to the firmware (e.g. FWKIT_HARDWARE_REVISION). Never a key. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the firmware has to answer healthy before the trial counts as hung (default 15000 ms). */
  readonly healthTimeoutMs?: number;
}

export type FirmwareFailureCode = 'FIRMWARE_START_FAILED' | 'FIRMWARE_CRASHED' | 'HEALTH_TIMEOUT' | 'HEALTH_MISMATCH';

export type HealthVerdict =
  | {
      readonly ok: true;
      readonly port: number;
      readonly model: string;
      readonly version: string;
      readonly counters: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly code: FirmwareFailureCode; readonly reason: string };

export interface RunningFirmware {
  readonly verdict: HealthVerdict;
  /** Settles when every firmware process has exited. */
  readonly exited: Promise<void>;
  /** Stops the firmware (SIGTERM, then SIGKILL after a grace); leaves no process behind. Idempotent. */
  stop(): Promise<void>;
}

export type FirmwareRunner = (launch: FirmwareLaunch) => Promise<RunningFirmware>;

export const DEFAULT_HEALTH_TIMEOUT_MS = 15_000;
