import { deviceIdentityFromJSON, isFwkitError, parseJsonBytes, type DeviceIdentity, type ImageManifest } from '@fwkit/device-core';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { verifyImage, VerifyError, type VerifiedDocuments, type VerifiedImage, type VerifyOptions } from '@fwkit/device-verify';
import type { Control, FirmwareRunner, HealthVerdict, Isolation, RunningFirmware } from '@fwkit/device-run';
import { statSync } from 'node:fs';
import { InstallError } from './errors.js';
import { takeLock, type LockHolder } from './lock.js';
import {
  armedTrialRecord,
  assertInstallAllowed,
  attemptsExhausted,
  attemptUsedRecord,
  belowCounter,
  bootOrder,
  committedRecord,
  counterToFinish,
  failedInstallRecord,
  fallbackRecord,
  installingRecord,
  interruptedInstallRecord,
  nextTrialStep,
  pendingTrial,
  policyOf,
  RECOVERY_SLOT,
  recoveredRecord,
  recoveringRecord,
  revertedRecord,
  trialFailedRecord,
  type DevicePolicy,
} from './policy.js';
import {
  bootRecordOf,
  counterOf,
  LAYOUT,
  otherSlot,
  readDual,
  SLOT_NAMES,
  slotDir,
  writeDual,
  type BootRecord,
  type SlotInfo,
  type SlotName,
} from './record.js';
import { factoryIdentity, openImageForSlot, payloadDirOf, SlotWriter, verifySlot } from './slot.js';
import { NodeStorage, removeTree, type DeviceStorage } from './storage.js';

/** Something the device made durable: the harness checks no later power cut loses it. */
export type DurableEvent =
  | { readonly kind: 'record'; readonly seq: number; readonly record: BootRecord }
  | { readonly kind: 'counter'; readonly seq: number; readonly security: number };

export interface DeviceOptions {
  /** The device's clock (the trust root's expiry); default the wall clock. */
  readonly now?: () => Date;
  /** Told after each atomic write returned (the power-cut harness). */
  readonly onDurable?: (event: DurableEvent) => void;
  /**
   * Decides whether a lock's holder is gone; default `holderIsGone` (its pid is not a live process,
   * or now belongs to a process started at another time). Power-on passes `() => true`: after a
   * power cut no process holds the lock.
   */
  readonly isLockStale?: (holder: LockHolder) => boolean;
}

export interface DeviceStatus {
  readonly state: BootRecord['state'];
  /** The installed firmware: the committed slot's version (a trial is not installed until committed). */
  readonly committed: { readonly slot: SlotName; readonly version: string; readonly security: number } | null;
  readonly trial: { readonly slot: SlotName; readonly version: string; readonly attemptsLeft: number } | null;
  readonly securityCounter: number;
  readonly last: BootRecord['last'];
}

export interface InstallResult {
  readonly result: 'pending-reboot';
  readonly slot: SlotName;
  readonly version: string;
  readonly security: number;
  readonly attempts: number;
}

export interface RecoverResult {
  readonly result: 'recovered';
  readonly slot: SlotName;
  readonly version: string;
  readonly security: number;
}

export interface BootOptions {
  readonly runner: FirmwareRunner;
  /** Keep the firmware running and hand it to the caller (default: stop it after the health decision). */
  readonly serve?: boolean;
  readonly healthTimeoutMs?: number;
  /** `none`: the development mode, domains as plain processes (default `os`: each in its sandbox). */
  readonly isolation?: Isolation['mode'];
  /** Test only: isolation controls switched off, to show what each one stops. */
  readonly withoutControls?: readonly Control[];
}

export interface BootResult {
  readonly slot: SlotName;
  readonly version: string;
  /** What happened to a pending trial in this boot: committed, reverted, or none pending. */
  readonly trial: 'committed' | 'reverted' | 'none';
  readonly verdict: HealthVerdict;
  /** Only with `serve`: the running firmware (the caller stops it). */
  readonly running?: RunningFirmware;
  readonly status: DeviceStatus;
}

/**
 * An I/O error of the device storage as a coded error: the system call and errno only, no stack
 * and no absolute path (a Node error's message names the full path). Other errors pass unchanged.
 */
export function storageFailure(error: unknown): unknown {
  if (isFwkitError(error) || !(error instanceof Error)) return error;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code === undefined || !/^E[A-Z0-9]+$/.test(code)) return error;
  if (code === 'ENOSPC') return new InstallError('INSTALL_NO_SPACE', 'the device storage is full', { details: { errno: code } });
  return new InstallError('DEVICE_IO', `the device storage failed: ${syscall ?? 'I/O'} ${code}`, {
    details: { errno: code, syscall: syscall ?? null },
  });
}

export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The device's volatile state (the domains' writable /run paths), emptied by nothing: a real camera's /run is a tmpfs. */
const VOLATILE_DIR = 'run';

/**
 * The device's first domain uid: one camera has one, but simulated devices share a host, so
 * each device directory gets its own range, from its inode (two live directories of one file
 * system never share one); 16 ids per device, clear of system and user accounts.
 */
function uidBaseOf(deviceDir: string): number {
  return 100_000 + (statSync(deviceDir).ino % 2 ** 20) * 16;
}

function infoOf(manifest: ImageManifest, manifestSha256: string): SlotInfo {
  return { version: manifest.versions.firmware, security: manifest.versions.security, manifestSha256 };
}

/**
 * A device directory, changed only through its DeviceStorage. Every method reads the durable
 * state afresh (the boot-control record, the counter), as a bootloader does after power-on.
 */
export class Device {
  readonly #storage: DeviceStorage;
  readonly #options: DeviceOptions;

  constructor(storage: DeviceStorage | string, options: DeviceOptions = {}) {
    this.#storage = typeof storage === 'string' ? new NodeStorage(storage) : storage;
    this.#options = options;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #json(file: string): unknown {
    const bytes = this.#storage.read(file);
    if (bytes === undefined) throw new InstallError('DEVICE_INVALID', `the device has no ${file}`, { details: { file } });
    return parseJsonBytes(bytes, file);
  }

  identity(): DeviceIdentity {
    return deviceIdentityFromJSON(this.#json(LAYOUT.identity), LAYOUT.identity);
  }

  trustRoot(): TrustRoot {
    return trustRootFromJSON(this.#json(LAYOUT.trustRoot), this.#now());
  }

  policy(): DevicePolicy {
    return policyOf(this.#json(LAYOUT.policy));
  }

  /** The boot-control record (the newer valid copy). */
  record(): { seq: number; record: BootRecord } {
    const found = readDual(this.#storage, LAYOUT.record, bootRecordOf);
    if (found === undefined) throw new InstallError('DEVICE_INVALID', 'no valid boot-control record (both copies missing or torn)');
    return { seq: found.seq, record: found.body };
  }

  /** The anti-rollback counter: the lowest security version this device may run. */
  counter(): { seq: number; security: number } {
    const found = readDual(this.#storage, LAYOUT.counter, counterOf);
    if (found === undefined) throw new InstallError('DEVICE_INVALID', 'no valid security counter (both copies missing or torn)');
    return { seq: found.seq, security: found.body.security };
  }

  #writeRecord(site: string, seq: number, record: BootRecord): { seq: number; record: BootRecord } {
    writeDual(this.#storage, site, LAYOUT.record, seq + 1, record);
    this.#options.onDurable?.({ kind: 'record', seq: seq + 1, record });
    return { seq: seq + 1, record };
  }

  /** Raises the counter (never lowers it): only ever after a commit, so a revert stays possible until then. */
  #raiseCounter(security: number): void {
    const current = this.counter();
    if (security <= current.security) return;
    writeDual(this.#storage, 'counter', LAYOUT.counter, current.seq + 1, { security });
    this.#options.onDurable?.({ kind: 'counter', seq: current.seq + 1, security });
  }

  status(): DeviceStatus {
    try {
      return this.#status();
    } catch (error) {
      throw storageFailure(error);
    }
  }

  #status(): DeviceStatus {
    const { record } = this.record();
    const committed = record.slots[record.active];
    const trialInfo = record.trial === null ? null : record.slots[record.trial];
    return {
      state: record.state,
      committed: committed === null ? null : { slot: record.active, version: committed.version, security: committed.security },
      trial:
        record.trial === null || trialInfo === null || record.state !== 'trial'
          ? null
          : { slot: record.trial, version: trialInfo.version, attemptsLeft: record.attemptsLeft },
      securityCounter: this.counter().security,
      last: record.last,
    };
  }

  // ---- the device lock --------------------------------------------------------------------

  /**
   * Runs one state-changing operation under the device lock (lock.ts: the stale rule); a storage
   * error comes out coded (storageFailure), without Node's message and stack.
   */
  async #locked<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      const unlock = takeLock(this.#storage, operation, this.#options.isLockStale);
      try {
        return await action();
      } finally {
        unlock();
      }
    } catch (error) {
      throw storageFailure(error);
    }
  }

  /** `#locked` for the synchronous operations (commit, revert). */
  #lockedSync<T>(operation: string, action: () => T): T {
    try {
      const unlock = takeLock(this.#storage, operation, this.#options.isLockStale);
      try {
        return action();
      } finally {
        unlock();
      }
    } catch (error) {
      throw storageFailure(error);
    }
  }

  // ---- install ----------------------------------------------------------------------------

  /** Installs an image file into the inactive slot (see `install`). */
  installFile(path: string): Promise<InstallResult> {
    return this.install(openImageForSlot(path));
  }

  /**
   * Streams an image into the inactive slot. Every check (signatures against the device's root,
   * model, revision, compatibility, upgradeFrom against the committed version, the downgrade
   * policy, security version >= counter) is the verifier's and passes before the sink's first
   * call; only then is the inactive slot marked invalid and written. Each payload block is written
   * after it verified. The slot is fsynced, then one record write arms it as the trial.
   */
  install(image: AsyncIterable<Uint8Array>): Promise<InstallResult> {
    return this.#locked('install', () => this.#install(image));
  }

  /**
   * Streams an image into a slot: `markInvalid` runs once every check of `verifyImage` passed and
   * before the slot's first byte changes (it makes the slot durably invalid); each block is written
   * after it verified; when this returns the slot is durable (contents, then names). One write path
   * for install and recovery.
   */
  async #streamIntoSlot(
    slot: SlotWriter,
    image: AsyncIterable<Uint8Array>,
    options: Omit<VerifyOptions, 'sink'>,
    markInvalid: (docs: VerifiedDocuments) => void,
  ): Promise<VerifiedImage> {
    const verified = await verifyImage(image, {
      ...options,
      sink: {
        start: (docs) =>
          Promise.resolve().then(() => {
            markInvalid(docs);
            slot.begin(docs);
          }),
        block: (path, offset, bytes) => slot.block(path, offset, bytes),
        bufferFor: (path, offset, size) => slot.bufferFor(path, offset, size),
      },
    });
    await slot.drain();
    slot.sync();
    return verified;
  }

  async #install(image: AsyncIterable<Uint8Array>): Promise<InstallResult> {
    let { seq, record } = this.record();
    const stateBefore = record.state;
    assertInstallAllowed(record);
    const committed = record.slots[record.active];
    const counter = this.counter().security;
    const policy = this.policy();
    const device: DeviceIdentity = {
      ...this.identity(),
      ...(committed === null ? {} : { installed: { firmware: committed.version, security: counter } }),
    };
    const target = otherSlot(record.active);
    const slot = new SlotWriter(this.#storage, target);
    const progress = { started: false };
    try {
      const verified = await this.#streamIntoSlot(
        slot,
        image,
        { trust: this.trustRoot(), devices: [device], now: this.#now(), allowDowngrade: policy.allowDowngrade },
        (docs) => {
          // Everything is checked: mark the target invalid (durably) before its first byte changes.
          ({ seq, record } = this.#writeRecord('mark-invalid', seq, installingRecord(record, target, docs.manifest.versions.firmware)));
          progress.started = true;
        },
      );
      const armed = armedTrialRecord(record, target, infoOf(verified.manifest, verified.manifestSha256), policy);
      this.#writeRecord('arm-trial', seq, armed);
      return {
        result: 'pending-reboot',
        slot: target,
        version: verified.manifest.versions.firmware,
        security: verified.manifest.versions.security,
        attempts: armed.attemptsLeft,
      };
    } catch (error) {
      await slot.drain().catch(() => undefined); // no write may land after the cleanup below
      const failure = storageFailure(error);
      if (progress.started) {
        // The target is durably invalid: dropping its partial content is safe, and on a full disk it
        // frees the room the failure record needs.
        try {
          removeTree(this.#storage, slotDir(target));
        } catch {
          // what is left stays invalid; the next install removes it
        }
      }
      this.#recordFailedInstall(failure, stateBefore);
      throw failure;
    }
  }

  /** status reports a failed install; the record's active slot, its info and the counter are left as they were. */
  #recordFailedInstall(error: unknown, stateBefore: BootRecord['state']): void {
    const code = isFwkitError(error) ? error.code : 'INSTALL_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    try {
      const { seq, record } = this.record();
      this.#writeRecord('install-failed', seq, failedInstallRecord(record, stateBefore, code, message));
    } catch {
      // The disk may be full: the record keeps "installing", which the next boot reports as interrupted.
    }
  }

  // ---- boot -------------------------------------------------------------------------------

  /**
   * One power-on, as a bootloader, under the device lock: finish a counter raise and an
   * interrupted install; try a pending trial (an attempt is used durably BEFORE it starts; a failed
   * try is a reboot into the next attempt; at zero the device reverts); otherwise boot the
   * committed slot, using no attempt. Every slot is re-verified before it starts; a rotted
   * committed slot falls back to the other.
   */
  boot(options: BootOptions): Promise<BootResult> {
    return this.#locked('boot', () => this.#boot(options));
  }

  async #boot(options: BootOptions): Promise<BootResult> {
    let { seq, record } = this.record();
    const trust = this.trustRoot();
    const identity = this.identity();
    const now = this.#now();
    // A cut between a commit and its counter raise: finish the raise (the commit is durable).
    const unfinishedRaise = counterToFinish(record);
    if (unfinishedRaise !== null) this.#raiseCounter(unfinishedRaise);

    if (record.state === 'installing') {
      ({ seq, record } = this.#writeRecord('install-interrupted', seq, interruptedInstallRecord(record)));
    }

    let reverted = false;
    for (let step = nextTrialStep(record); step.kind !== 'none'; step = nextTrialStep(record)) {
      const trial = step.slot;
      if (step.kind === 'revert') {
        ({ seq, record } = this.#revert(seq, record, `trial of slot ${trial} used every attempt`));
        reverted = true;
        break;
      }
      // Durable before the start: a cut during the trial has used this attempt.
      ({ seq, record } = this.#writeRecord('attempt', seq, attemptUsedRecord(record)));
      const manifest = await this.#bootable(trial, trust, identity, now, this.counter().security);
      if (typeof manifest === 'string') {
        // A slot that fails verification will not get better: revert now.
        ({ seq, record } = this.#revert(seq, record, `the trial failed verification: ${manifest}`));
        reverted = true;
        break;
      }
      const running = await this.#start(trial, manifest, identity, options);
      if (running.verdict.ok) {
        ({ seq, record } = this.#commitRecord(seq, record, `trial of ${manifest.versions.firmware} passed its health check`));
        this.#raiseCounter(manifest.versions.security);
        return this.#finish(trial, manifest, 'committed', running, options);
      }
      await running.stop();
      const reason = `${running.verdict.code}: ${running.verdict.reason}`;
      ({ seq, record } = this.#writeRecord('trial-failed', seq, trialFailedRecord(record, reason)));
      if (attemptsExhausted(record)) {
        ({ seq, record } = this.#revert(seq, record, `trial of slot ${trial} failed every attempt; last: ${reason}`));
        reverted = true;
      }
    }
    return this.#bootCommitted(seq, record, trust, identity, now, options, reverted);
  }

  async #bootCommitted(
    seq: number,
    record: BootRecord,
    trust: TrustRoot,
    identity: DeviceIdentity,
    now: Date,
    options: BootOptions,
    reverted: boolean,
  ): Promise<BootResult> {
    const counter = this.counter().security;
    const failures: string[] = [];
    const committed = record.active;
    for (const slot of bootOrder(record)) {
      const checked = await this.#bootable(slot, trust, identity, now, counter);
      if (typeof checked === 'string') {
        failures.push(checked);
        continue;
      }
      const manifest = checked;
      if (slot !== record.active) {
        // The committed slot rotted: the other verified slot becomes the committed one, and why is recorded.
        ({ seq, record } = this.#writeRecord('fallback', seq, fallbackRecord(record, slot, failures)));
      }
      const running = await this.#start(slot, manifest, identity, options);
      return this.#finish(slot, manifest, reverted || slot !== committed ? 'reverted' : 'none', running, options);
    }
    throw new InstallError('BOOT_NO_VALID_SLOT', `no slot verifies (${failures.join('; ') || 'both invalid'}): recovery image needed`, {
      details: { failures },
    });
  }

  /** The slot's manifest when it verifies at or above the counter, else why not. */
  async #bootable(slot: SlotName, trust: TrustRoot, identity: DeviceIdentity, now: Date, counter: number): Promise<ImageManifest | string> {
    let manifest: ImageManifest;
    try {
      manifest = (await verifySlot(this.#storage, slot, trust, identity, now)).manifest;
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error;
      return `slot ${slot}: ${error.code}`;
    }
    return belowCounter(slot, manifest.versions.security, counter) ?? manifest;
  }

  #start(slot: SlotName, manifest: ImageManifest, identity: DeviceIdentity, options: BootOptions): Promise<RunningFirmware> {
    const isolation: Isolation =
      options.isolation === 'none'
        ? { mode: 'none' }
        : {
            mode: 'os',
            stateDir: this.#storage.realPath(VOLATILE_DIR),
            uidBase: uidBaseOf(this.#storage.realPath('.')),
            ...(options.withoutControls === undefined ? {} : { without: options.withoutControls }),
          };
    return options.runner({
      payloadDir: this.#storage.realPath(payloadDirOf(slot)),
      domains: manifest.domains,
      expect: { model: manifest.model, version: manifest.versions.firmware },
      env: { FWKIT_MODEL: identity.model, FWKIT_HARDWARE_REVISION: identity.hardwareRevision },
      ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
      isolation,
      listenPort: 0,
    });
  }

  async #finish(
    slot: SlotName,
    manifest: ImageManifest,
    trial: BootResult['trial'],
    running: RunningFirmware,
    options: BootOptions,
  ): Promise<BootResult> {
    if (options.serve !== true) await running.stop();
    return {
      slot,
      version: manifest.versions.firmware,
      trial,
      verdict: running.verdict,
      ...(options.serve === true ? { running } : {}),
      status: this.#status(),
    };
  }

  #commitRecord(seq: number, record: BootRecord, reason: string): { seq: number; record: BootRecord } {
    return this.#writeRecord('commit', seq, committedRecord(record, reason));
  }

  #revert(seq: number, record: BootRecord, reason: string): { seq: number; record: BootRecord } {
    return this.#writeRecord('revert', seq, revertedRecord(record, reason));
  }

  // ---- recovery ---------------------------------------------------------------------------

  /** Recovers from an image file (see `recover`). */
  recoverFile(path: string): Promise<RecoverResult> {
    return this.recover(openImageForSlot(path));
  }

  /**
   * The recovery mode (docs/device.md, "Recovery when both slots are bad"): installs a signed image
   * into slot a, committed, when the device cannot boot (no readable record, or no slot that
   * verifies at or above the counter). Its trust rests on root.json and the counter only: the image
   * passes every check of `verifyImage` against the root and the device's factory identity, and its
   * security version is at least the counter; upgradeFrom and the downgrade policy do not apply (no
   * version is installed). The same durable order as an install; the counter is left to the next boot.
   */
  recover(image: AsyncIterable<Uint8Array>): Promise<RecoverResult> {
    return this.#locked('recover', () => this.#recover(image));
  }

  async #recover(image: AsyncIterable<Uint8Array>): Promise<RecoverResult> {
    const counter = this.counter().security;
    const trust = this.trustRoot();
    const identity = this.identity();
    const now = this.#now();
    const found = readDual(this.#storage, LAYOUT.record, bootRecordOf);
    if (found !== undefined) {
      for (const slot of SLOT_NAMES) {
        if (found.body.slots[slot] !== null && typeof (await this.#bootable(slot, trust, identity, now, counter)) !== 'string') {
          throw new InstallError('RECOVERY_NOT_NEEDED', `slot ${slot} verifies: boot it, or install an update`, { details: { slot } });
        }
      }
    }
    let seq = found?.seq ?? 0;
    const target = RECOVERY_SLOT;
    const slot = new SlotWriter(this.#storage, target);
    const progress = { started: false };
    try {
      const verified = await this.#streamIntoSlot(slot, image, { trust, devices: [factoryIdentity(identity)], now }, (docs) => {
        const security = docs.manifest.versions.security;
        if (security < counter) {
          throw new VerifyError(
            'SECURITY_VERSION_ROLLBACK',
            `the recovery image's security version ${security} is below the counter ${counter}`,
          );
        }
        ({ seq } = this.#writeRecord('recover-invalid', seq, recoveringRecord(docs.manifest.versions.firmware)));
        progress.started = true;
      });
      const { firmware: version, security } = verified.manifest.versions;
      this.#writeRecord('recovered', seq, recoveredRecord(infoOf(verified.manifest, verified.manifestSha256)));
      return { result: 'recovered', slot: target, version, security };
    } catch (error) {
      await slot.drain().catch(() => undefined);
      const failure = storageFailure(error);
      if (progress.started) this.#recordFailedInstall(failure, 'idle');
      throw failure;
    }
  }

  /** Manual flow: commits the pending trial without a health check, then raises the counter. */
  commit(): DeviceStatus {
    return this.#lockedSync('commit', () => this.#commit());
  }

  #commit(): DeviceStatus {
    const { seq, record } = this.record();
    const trial = pendingTrial(record);
    if (trial === null) throw new InstallError('NO_TRIAL_PENDING', 'no trial to commit');
    const info = record.slots[trial];
    this.#commitRecord(seq, record, 'committed by hand');
    if (info !== null) this.#raiseCounter(info.security);
    return this.#status();
  }

  /** Manual flow: abandons the pending trial; the committed slot stays. */
  revert(reason = 'reverted by hand'): DeviceStatus {
    return this.#lockedSync('revert', () => this.#revertByHand(reason));
  }

  #revertByHand(reason: string): DeviceStatus {
    const { seq, record } = this.record();
    if (pendingTrial(record) === null) throw new InstallError('NO_TRIAL_PENDING', 'no trial to revert');
    this.#revert(seq, record, reason);
    return this.#status();
  }
}
