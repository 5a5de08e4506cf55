import { describe, expect, it } from 'vitest';
import { InstallError } from './errors.js';
import {
  armedTrialRecord,
  assertInstallAllowed,
  attemptsExhausted,
  attemptUsedRecord,
  belowCounter,
  bootOrder,
  committedRecord,
  counterToFinish,
  DEFAULT_POLICY,
  failedInstallRecord,
  fallbackRecord,
  installingRecord,
  interruptedInstallRecord,
  MAX_TRIAL_ATTEMPTS,
  MIN_TRIAL_ATTEMPTS,
  nextTrialStep,
  pendingTrial,
  policyOf,
  recoveredRecord,
  recoveringRecord,
  revertedRecord,
  trialFailedRecord,
} from './policy.js';
import type { BootRecord, BootState } from './record.js';

// The installer's decisions without a device: each rule at its limits and on each branch.

const v1 = { version: '1.0.0', security: 1, manifestSha256: '11'.repeat(32) };
const v2 = { version: '2.0.0', security: 2, manifestSha256: '22'.repeat(32) };
const committed: BootRecord = {
  state: 'committed',
  active: 'a',
  trial: null,
  attemptsLeft: 0,
  slots: { a: v1, b: null },
  last: { result: 'committed', reason: 'before' },
};
const trial: BootRecord = { ...committed, state: 'trial', trial: 'b', attemptsLeft: 2, slots: { a: v1, b: v2 } };

/** The code of the InstallError `action` throws. */
function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InstallError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('policyOf', () => {
  const valid = { schemaVersion: 1, allowDowngrade: true, trialAttempts: 4 };

  it('returns the typed policy, without unknown fields', () => {
    expect(policyOf({ ...valid, extra: 1 })).toEqual(valid);
    expect(policyOf(DEFAULT_POLICY)).toEqual({ schemaVersion: 1, allowDowngrade: false, trialAttempts: 3 });
  });

  it('accepts trialAttempts at both limits and refuses one beyond each', () => {
    expect(MIN_TRIAL_ATTEMPTS).toBe(1);
    expect(MAX_TRIAL_ATTEMPTS).toBe(10);
    expect(policyOf({ ...valid, trialAttempts: 1 }).trialAttempts).toBe(1);
    expect(policyOf({ ...valid, trialAttempts: 2 }).trialAttempts).toBe(2);
    expect(policyOf({ ...valid, trialAttempts: 9 }).trialAttempts).toBe(9);
    expect(policyOf({ ...valid, trialAttempts: 10 }).trialAttempts).toBe(10);
    expect(codeOf(() => policyOf({ ...valid, trialAttempts: 0 }))).toBe('DEVICE_INVALID');
    expect(codeOf(() => policyOf({ ...valid, trialAttempts: 11 }))).toBe('DEVICE_INVALID');
  });

  it.each([
    ['no object', null],
    ['a number', 7],
    ['schemaVersion 2', { ...valid, schemaVersion: 2 }],
    ['no schemaVersion', { allowDowngrade: true, trialAttempts: 4 }],
    ['allowDowngrade not a boolean', { ...valid, allowDowngrade: 'yes' }],
    ['trialAttempts a fraction', { ...valid, trialAttempts: 2.5 }],
    ['trialAttempts a string', { ...valid, trialAttempts: '3' }],
  ])('refuses %s', (_name, value) => {
    expect(codeOf(() => policyOf(value))).toBe('DEVICE_INVALID');
  });

  it('names the file and the expected fields in its message', () => {
    expect(() => policyOf({})).toThrow('policy.json: schemaVersion 1, allowDowngrade (boolean) and trialAttempts (1-10) expected');
  });
});

describe('install', () => {
  it('refuses while a trial is pending, and allows every resting state', () => {
    expect(
      codeOf(() => {
        assertInstallAllowed(trial);
      }),
    ).toBe('INSTALL_TRIAL_PENDING');
    expect(() => {
      assertInstallAllowed(trial);
    }).toThrow('a trial of slot b is pending: boot it (commit or revert) first');
    expect(() => {
      assertInstallAllowed({ ...trial, trial: null });
    }).toThrow('a trial of slot ? is pending');
    for (const state of ['idle', 'installing', 'committed', 'reverted'] as const) {
      expect(
        codeOf(() => {
          assertInstallAllowed({ ...committed, state });
        }),
      ).toBe('no error');
    }
  });

  it('marks the target invalid and the record installing, the other slot kept', () => {
    expect(installingRecord({ ...committed, slots: { a: v1, b: v2 } }, 'b', '3.0.0')).toEqual({
      state: 'installing',
      active: 'a',
      trial: null,
      attemptsLeft: 0,
      slots: { a: v1, b: null },
      last: { result: 'installing', reason: 'installing 3.0.0 into slot b' },
    });
  });

  it('arms the trial with the policy attempts', () => {
    const installing = installingRecord(committed, 'b', '2.0.0');
    expect(armedTrialRecord(installing, 'b', v2, { ...DEFAULT_POLICY, trialAttempts: 7 })).toEqual({
      state: 'trial',
      active: 'a',
      trial: 'b',
      attemptsLeft: 7,
      slots: { a: v1, b: v2 },
      last: { result: 'pending-reboot', reason: '2.0.0 installed into slot b; boot to try it' },
    });
  });

  it.each<[BootState, BootState]>([
    ['idle', 'idle'],
    ['committed', 'committed'],
    ['reverted', 'reverted'],
    ['installing', 'idle'],
    ['trial', 'idle'],
  ])('a failed install started from %s rests %s', (before, after) => {
    const installing = installingRecord(committed, 'b', '2.0.0');
    expect(failedInstallRecord(installing, before, 'E_CODE', 'why')).toEqual({
      ...installing,
      state: after,
      last: { result: 'install-failed', reason: 'E_CODE: why' },
    });
  });

  it('a failed install that never marked a slot keeps the record state', () => {
    expect(failedInstallRecord(committed, 'idle', 'E_CODE', 'why')).toEqual({
      ...committed,
      last: { result: 'install-failed', reason: 'E_CODE: why' },
    });
  });
});

describe('boot', () => {
  it('an interrupted install rests idle, its slot still invalid', () => {
    const installing = installingRecord(committed, 'b', '2.0.0');
    expect(interruptedInstallRecord(installing)).toEqual({
      ...installing,
      state: 'idle',
      last: { result: 'install-interrupted', reason: 'the install did not finish (power lost); the slot stays invalid' },
    });
  });

  it('finishes the counter raise of the committed slot, not during a trial, not without a slot', () => {
    expect(counterToFinish(committed)).toBe(1);
    expect(counterToFinish({ ...committed, state: 'idle' })).toBe(1);
    expect(counterToFinish(trial)).toBeNull();
    expect(counterToFinish({ ...committed, slots: { a: null, b: v2 } })).toBeNull();
  });

  it('a trial is pending only in the trial state with a slot', () => {
    expect(pendingTrial(trial)).toBe('b');
    expect(pendingTrial({ ...trial, trial: null })).toBeNull();
    expect(pendingTrial({ ...trial, state: 'committed' })).toBeNull();
  });

  it('tries a trial with an attempt left, reverts at zero, does nothing without one', () => {
    expect(nextTrialStep({ ...trial, attemptsLeft: 2 })).toEqual({ kind: 'try', slot: 'b' });
    expect(nextTrialStep({ ...trial, attemptsLeft: 1 })).toEqual({ kind: 'try', slot: 'b' });
    expect(nextTrialStep({ ...trial, attemptsLeft: 0 })).toEqual({ kind: 'revert', slot: 'b' });
    expect(nextTrialStep({ ...trial, state: 'reverted', attemptsLeft: 0 })).toEqual({ kind: 'none' });
    expect(nextTrialStep(committed)).toEqual({ kind: 'none' });
    expect(attemptsExhausted({ ...trial, attemptsLeft: 0 })).toBe(true);
    expect(attemptsExhausted({ ...trial, attemptsLeft: 1 })).toBe(false);
  });

  it('uses one attempt; N attempts allow N tries, then a revert', () => {
    expect(attemptUsedRecord(trial)).toEqual({ ...trial, attemptsLeft: 1 });
    let record = armedTrialRecord(committed, 'b', v2, { ...DEFAULT_POLICY, trialAttempts: 3 });
    let tries = 0;
    while (nextTrialStep(record).kind === 'try') {
      record = trialFailedRecord(attemptUsedRecord(record), 'HEALTH: no answer');
      tries += 1;
    }
    expect(tries).toBe(3);
    expect(nextTrialStep(record)).toEqual({ kind: 'revert', slot: 'b' });
    expect(record.last).toEqual({ result: 'trial-failed', reason: 'HEALTH: no answer' });
  });

  it('commits the trial as the active slot', () => {
    expect(committedRecord(trial, 'passed')).toEqual({
      state: 'committed',
      active: 'b',
      trial: null,
      attemptsLeft: 0,
      slots: { a: v1, b: v2 },
      last: { result: 'committed', reason: 'passed' },
    });
    expect(codeOf(() => committedRecord(committed, 'x'))).toBe('NO_TRIAL_PENDING');
    expect(() => committedRecord(committed, 'x')).toThrow('no trial to commit');
  });

  it('reverts: the trial slot invalid, the committed slot kept', () => {
    expect(revertedRecord(trial, 'failed')).toEqual({
      state: 'reverted',
      active: 'a',
      trial: null,
      attemptsLeft: 0,
      slots: { a: v1, b: null },
      last: { result: 'reverted', reason: 'failed' },
    });
    expect(codeOf(() => revertedRecord(committed, 'x'))).toBe('NO_TRIAL_PENDING');
    expect(() => revertedRecord(committed, 'x')).toThrow('no trial to revert');
  });

  it('boots the committed slot first, then the other, skipping invalid slots', () => {
    expect(bootOrder({ ...committed, slots: { a: v1, b: v2 } })).toEqual(['a', 'b']);
    expect(bootOrder({ ...committed, active: 'b', slots: { a: v1, b: v2 } })).toEqual(['b', 'a']);
    expect(bootOrder(committed)).toEqual(['a']);
    expect(bootOrder({ ...committed, slots: { a: null, b: v2 } })).toEqual(['b']);
    expect(bootOrder({ ...committed, slots: { a: null, b: null } })).toEqual([]);
  });

  it('falls back: the verified slot becomes active, the rotted one invalid, and why is recorded', () => {
    expect(fallbackRecord({ ...committed, slots: { a: v1, b: v2 } }, 'b', ['slot a: X', 'slot a: Y'])).toEqual({
      state: 'reverted',
      active: 'b',
      trial: null,
      attemptsLeft: 0,
      slots: { a: null, b: v2 },
      last: { result: 'fallback', reason: 'committed slot a failed verification (slot a: X; slot a: Y); booted slot b' },
    });
  });

  it('refuses a slot below the counter, at the counter and above it boot', () => {
    expect(belowCounter('a', 2, 3)).toBe('slot a: security version 2 is below the counter 3');
    expect(belowCounter('a', 3, 3)).toBeNull();
    expect(belowCounter('a', 4, 3)).toBeNull();
  });
});

describe('recovery', () => {
  it('marks both slots invalid, slot a installing, then commits slot a', () => {
    expect(recoveringRecord('1.0.0')).toEqual({
      state: 'installing',
      active: 'a',
      trial: null,
      attemptsLeft: 0,
      slots: { a: null, b: null },
      last: { result: 'recovering', reason: 'recovering with 1.0.0 into slot a' },
    });
    expect(recoveredRecord(v1)).toEqual({
      state: 'committed',
      active: 'a',
      trial: null,
      attemptsLeft: 0,
      slots: { a: v1, b: null },
      last: { result: 'recovered', reason: 'recovery image 1.0.0 committed in slot a' },
    });
  });
});
