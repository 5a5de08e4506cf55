// The installer's decisions, pure: each takes the boot-control record (and what else it needs) and
// returns the next record or a verdict. device.ts reads and writes the storage and calls these, so
// every rule has one implementation that a fast test (and mutation testing) can reach.
import { InstallError } from './errors.js';
import { LAYOUT, otherSlot, type BootRecord, type BootState, type SlotInfo, type SlotName } from './record.js';

/** The device policy (policy.json). */
export interface DevicePolicy {
  readonly schemaVersion: 1;
  /** Accept an older firmware version at the same security version (never below the counter). */
  readonly allowDowngrade: boolean;
  /** Boot attempts a trial gets before the device reverts (1-10). */
  readonly trialAttempts: number;
}

export const DEFAULT_POLICY: DevicePolicy = Object.freeze({ schemaVersion: 1, allowDowngrade: false, trialAttempts: 3 });

export const MIN_TRIAL_ATTEMPTS = 1;
export const MAX_TRIAL_ATTEMPTS = 10;

/** policy.json, checked once: a bad policy is a bad device, not a default. */
export function policyOf(value: unknown): DevicePolicy {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const attempts = v['trialAttempts'];
  if (
    v['schemaVersion'] !== 1 ||
    typeof v['allowDowngrade'] !== 'boolean' ||
    !Number.isSafeInteger(attempts) ||
    (attempts as number) < MIN_TRIAL_ATTEMPTS ||
    (attempts as number) > MAX_TRIAL_ATTEMPTS
  ) {
    throw new InstallError(
      'DEVICE_INVALID',
      `${LAYOUT.policy}: schemaVersion 1, allowDowngrade (boolean) and trialAttempts (${MIN_TRIAL_ATTEMPTS}-${MAX_TRIAL_ATTEMPTS}) expected`,
    );
  }
  return { schemaVersion: 1, allowDowngrade: v['allowDowngrade'], trialAttempts: attempts as number };
}

// ---- install ------------------------------------------------------------------------------

/** An install starts only from a resting state: a pending trial must be booted (committed or reverted) first. */
export function assertInstallAllowed(record: BootRecord): void {
  if (record.state === 'trial') {
    throw new InstallError('INSTALL_TRIAL_PENDING', `a trial of slot ${record.trial ?? '?'} is pending: boot it (commit or revert) first`, {
      details: { trial: record.trial },
    });
  }
}

/** Every check passed: the target slot is durably invalid before its first byte changes. */
export function installingRecord(record: BootRecord, target: SlotName, version: string): BootRecord {
  return {
    ...record,
    state: 'installing',
    trial: null,
    attemptsLeft: 0,
    slots: { ...record.slots, [target]: null },
    last: { result: 'installing', reason: `installing ${version} into slot ${target}` },
  };
}

/** The written, synced slot armed as the trial, with the policy's attempts. */
export function armedTrialRecord(record: BootRecord, target: SlotName, info: SlotInfo, policy: DevicePolicy): BootRecord {
  return {
    ...record,
    state: 'trial',
    trial: target,
    attemptsLeft: policy.trialAttempts,
    slots: { ...record.slots, [target]: info },
    last: { result: 'pending-reboot', reason: `${info.version} installed into slot ${target}; boot to try it` },
  };
}

/**
 * A failed install as status reports it; the active slot, its info and the counter stay. The record
 * returns to the resting state the install started from; an install interrupted before this one
 * (or a pending trial) leaves nothing to return to: idle.
 */
export function failedInstallRecord(record: BootRecord, stateBefore: BootState, code: string, message: string): BootRecord {
  const resting = stateBefore === 'installing' || stateBefore === 'trial' ? 'idle' : stateBefore;
  return {
    ...record,
    state: record.state === 'installing' ? resting : record.state,
    last: { result: 'install-failed', reason: `${code}: ${message}` },
  };
}

// ---- boot ---------------------------------------------------------------------------------

/** A record left `installing` by a power cut: the slot stays invalid, the device rests idle. */
export function interruptedInstallRecord(record: BootRecord): BootRecord {
  return {
    ...record,
    state: 'idle',
    last: { result: 'install-interrupted', reason: 'the install did not finish (power lost); the slot stays invalid' },
  };
}

/** The counter to finish raising at power-on: the committed slot's, unless a trial is pending (then a revert stays possible). */
export function counterToFinish(record: BootRecord): number | null {
  const active = record.slots[record.active];
  return active === null || record.state === 'trial' ? null : active.security;
}

/** What the next boot does with a pending trial: none pending, revert (no attempt left), or try it. */
export type TrialStep =
  { readonly kind: 'none' } | { readonly kind: 'revert'; readonly slot: SlotName } | { readonly kind: 'try'; readonly slot: SlotName };

/** The trial has used every attempt (`trialAttempts` of the policy): the device reverts. */
export function attemptsExhausted(record: BootRecord): boolean {
  return record.attemptsLeft === 0;
}

/** The slot of the pending trial, or null when none is pending (commit and revert need one). */
export function pendingTrial(record: BootRecord): SlotName | null {
  return record.state === 'trial' ? record.trial : null;
}

export function nextTrialStep(record: BootRecord): TrialStep {
  const trial = pendingTrial(record);
  if (trial === null) return { kind: 'none' };
  if (attemptsExhausted(record)) return { kind: 'revert', slot: trial };
  return { kind: 'try', slot: trial };
}

/** One attempt used, durably BEFORE the trial starts: a cut during the trial has used it. */
export function attemptUsedRecord(record: BootRecord): BootRecord {
  return { ...record, attemptsLeft: record.attemptsLeft - 1 };
}

/** A try that failed its health check; the caller reverts when no attempt is left (`nextTrialStep`). */
export function trialFailedRecord(record: BootRecord, reason: string): BootRecord {
  return { ...record, last: { result: 'trial-failed', reason } };
}

/** The trial becomes the committed slot. */
export function committedRecord(record: BootRecord, reason: string): BootRecord {
  if (record.trial === null) throw new InstallError('NO_TRIAL_PENDING', 'no trial to commit');
  return { ...record, state: 'committed', active: record.trial, trial: null, attemptsLeft: 0, last: { result: 'committed', reason } };
}

/** The trial is abandoned and its slot invalid; the committed slot stays. */
export function revertedRecord(record: BootRecord, reason: string): BootRecord {
  if (record.trial === null) throw new InstallError('NO_TRIAL_PENDING', 'no trial to revert');
  return {
    ...record,
    state: 'reverted',
    trial: null,
    attemptsLeft: 0,
    slots: { ...record.slots, [record.trial]: null },
    last: { result: 'reverted', reason },
  };
}

/** The order the committed boot tries slots in: the committed one, then the other (a fallback). */
export function bootOrder(record: BootRecord): readonly SlotName[] {
  return [record.active, otherSlot(record.active)].filter((slot) => record.slots[slot] !== null);
}

/** The committed slot rotted and `slot` verified: it becomes the committed one, and why is recorded. */
export function fallbackRecord(record: BootRecord, slot: SlotName, failures: readonly string[]): BootRecord {
  return {
    ...record,
    state: 'reverted',
    active: slot,
    trial: null,
    attemptsLeft: 0,
    slots: { ...record.slots, [record.active]: null },
    last: {
      result: 'fallback',
      reason: `committed slot ${record.active} failed verification (${failures.join('; ')}); booted slot ${slot}`,
    },
  };
}

/** Rollback protection at boot: a slot below the anti-rollback counter does not start; why not, or null. */
export function belowCounter(slot: SlotName, security: number, counter: number): string | null {
  return security < counter ? `slot ${slot}: security version ${security} is below the counter ${counter}` : null;
}

// ---- recovery -----------------------------------------------------------------------------

export const RECOVERY_SLOT: SlotName = 'a';

/** The recovery image is checked and slot a is durably invalid before its first byte changes. */
export function recoveringRecord(version: string): BootRecord {
  return {
    state: 'installing',
    active: RECOVERY_SLOT,
    trial: null,
    attemptsLeft: 0,
    slots: { a: null, b: null },
    last: { result: 'recovering', reason: `recovering with ${version} into slot ${RECOVERY_SLOT}` },
  };
}

/** The recovery image committed in slot a (the counter is left to the next boot). */
export function recoveredRecord(info: SlotInfo): BootRecord {
  return {
    state: 'committed',
    active: RECOVERY_SLOT,
    trial: null,
    attemptsLeft: 0,
    slots: { a: info, b: null },
    last: { result: 'recovered', reason: `recovery image ${info.version} committed in slot ${RECOVERY_SLOT}` },
  };
}
