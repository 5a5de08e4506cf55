// Test-only: the power-cut harness (docs/device.md, "Crash model").
import type { MadeImage } from '@fwkit/test-utils';
import { Device, type DurableEvent } from './device.js';
import { provision } from './provision.js';
import { LAYOUT } from './record.js';
import { copySimState, SimStorage, type SimState } from './sim-storage.js';
import { healthyRunner, identity, now, rootJson, stream } from './device.test-support.js';

export interface HarnessOptions {
  readonly factory: MadeImage;
  readonly update: MadeImage;
  /**
   * Installed, booted and committed before the scenario (into slot b): the scenario's install then
   * goes into slot a over the factory image, taking over its payload files, and "old" is this image.
   */
  readonly committedFirst?: MadeImage;
  /** fsync sites left out (the mutation check). */
  readonly skipSync?: ReadonlySet<string>;
  /** Stop at the first violation (the mutation check only needs one). */
  readonly stopAtFirst?: boolean;
  /** Random subsets tried when more than 10 operations are volatile. */
  readonly samples?: number;
  readonly seed?: number;
}

export interface HarnessReport {
  /** Operations of the install and its boot: the cut points 1..total. */
  readonly total: number;
  /** Crash states booted (cut points x survivor subsets x torn writes). */
  readonly states: number;
  readonly exhaustiveCuts: number;
  readonly sampledCuts: number;
  readonly violations: readonly string[];
  /** Every fsync site the scenario passed through. */
  readonly sites: ReadonlySet<string>;
}

interface Ack {
  readonly at: number;
  readonly event: DurableEvent;
}

/** A small seeded generator (mulberry32): the sample is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The storage a device is provisioned on, with the factory image committed, everything durable. */
export async function provisioned(factory: MadeImage): Promise<SimState> {
  const sim = new SimStorage();
  await provision(sim, { identity: identity(), trustRoot: rootJson, factoryImage: stream(factory.bytes), device: { now } });
  return copySimState(sim.state);
}

/** `provisioned(factory)`, then `first` installed, booted and committed (slot b active, everything durable). */
async function committedOver(factory: MadeImage, first: MadeImage): Promise<SimState> {
  const sim = new SimStorage(await provisioned(factory));
  const device = new Device(sim, { now });
  await device.install(stream(first.bytes, 4096));
  await device.boot({ runner: healthyRunner(), isolation: 'none' });
  return copySimState(sim.state);
}

/** The fsync sites one plain install(update) and its boot pass through (what the mutation check removes). */
export async function syncSites(factory: MadeImage, update: MadeImage): Promise<ReadonlySet<string>> {
  const sites = new Set<string>();
  const device = new Device(new SimStorage(await provisioned(factory), { onSync: (site) => sites.add(site) }), { now });
  await device.install(stream(update.bytes, 4096));
  await device.boot({ runner: healthyRunner(), isolation: 'none' });
  return sites;
}

/**
 * Runs install(update) and the next boot on simulated storage, then for every cut point k (the
 * first k operations happened) builds the crash states (every subset of the volatile operations
 * when at most 10, else the empty and full sets and a seeded sample; plus torn writes of the last
 * volatile write), boots each and checks the invariants.
 */
export async function runHarness(options: HarnessOptions): Promise<HarnessReport> {
  const { factory, update, committedFirst, skipSync = new Set<string>(), stopAtFirst = false, samples = 24, seed = 9 } = options;
  const old = committedFirst ?? factory;
  const oldVersion = old.manifest.versions.firmware;
  const newVersion = update.manifest.versions.firmware;
  const oldSecurity = old.manifest.versions.security;
  const newSecurity = update.manifest.versions.security;
  const start = committedFirst === undefined ? await provisioned(factory) : await committedOver(factory, committedFirst);

  const acks: Ack[] = [];
  const sites = new Set<string>();
  // Where the first left-out fsync would have been: cut points up to it are the unmutated run's.
  let mutatedAt: number | undefined;
  const sim: SimStorage = new SimStorage(start, {
    skip: skipSync,
    onSync: (site) => {
      sites.add(site);
      if (skipSync.has(site)) mutatedAt ??= sim.operations;
    },
  });
  const device = new Device(sim, { now, onDurable: (event) => acks.push({ at: sim.operations, event }) });
  await device.install(stream(update.bytes, 4096));
  await device.boot({ runner: healthyRunner(), isolation: 'none' });
  const total = sim.operations;
  const armedAt = acks.find((a) => a.event.kind === 'record' && a.event.record.state === 'trial')?.at ?? Number.POSITIVE_INFINITY;

  const violations: string[] = [];
  let states = 0;
  let exhaustiveCuts = 0;
  let sampledCuts = 0;
  const next = random(seed);

  const check = async (k: number, state: SimState, label: string): Promise<void> => {
    states += 1;
    const fail = (what: string): void => void violations.push(`cut ${k}/${total} ${label}: ${what}`);
    const before = acks.filter((a) => a.at <= k);
    const lastSeq = (kind: DurableEvent['kind']): number =>
      Math.max(0, ...before.filter((a) => a.event.kind === kind).map((a) => a.event.seq));
    // Power-on: after a cut no process holds the device lock, whoever wrote it.
    const storage = new SimStorage(state);
    const crashed = new Device(storage, { now, isLockStale: () => true });
    let seq: number;
    let counter: number;
    let committedNew: boolean;
    try {
      const found = crashed.record();
      seq = found.seq;
      counter = crashed.counter().security;
      if (seq < lastSeq('record')) fail(`record seq ${seq} lost an acknowledged write (seq ${lastSeq('record')})`);
      if (crashed.counter().seq < lastSeq('counter')) fail('the counter lost an acknowledged raise');
      const active = found.record.slots[found.record.active];
      committedNew = active?.version === newVersion && found.record.state !== 'trial' && found.record.state !== 'installing';
    } catch (error) {
      fail(`unreadable before boot: ${String(error)}`);
      return;
    }
    if (counter < oldSecurity) fail(`counter ${counter} went down`);
    if (counter > oldSecurity && !committedNew) fail(`counter ${counter} raised before the commit`);
    let result;
    try {
      result = await crashed.boot({ runner: healthyRunner(), isolation: 'none' });
    } catch (error) {
      fail(`boot failed: ${String(error)}`);
      return;
    }
    const after = crashed.status();
    if (storage.read(LAYOUT.lock) !== undefined) fail('the device lock outlived the boot');
    if (!result.verdict.ok) fail('the booted firmware is not healthy');
    if (result.version !== oldVersion && result.version !== newVersion) fail(`booted ${result.version}, neither old nor new`);
    if (k >= armedAt && result.version !== newVersion) fail(`the trial was armed (acknowledged) but ${result.version} booted`);
    if (after.committed?.version !== result.version)
      fail(`status says ${after.committed?.version ?? 'nothing'} committed, ${result.version} booted`);
    if (after.state === 'trial' || after.state === 'installing') fail(`state ${after.state} after a boot`);
    if (after.securityCounter < counter) fail('the counter went down in boot');
    const expected = result.version === newVersion ? newSecurity : oldSecurity;
    if (after.securityCounter !== expected) fail(`counter ${after.securityCounter} with ${result.version} committed`);
  };

  // A mutated run matches the unmutated one (which the first test checks in full) before its first
  // left-out fsync, and so do the crash states of those cut points: start after it.
  const firstCut = mutatedAt === undefined ? 1 : mutatedAt + 1;
  for (let k = firstCut; k <= total; k += 1) {
    const cut = crashStatesAt(sim, k, samples, next);
    if (cut.exhaustive) exhaustiveCuts += 1;
    else sampledCuts += 1;
    for (const { state, label } of cut.states) {
      await check(k, state, label);
      if (stopAtFirst && violations.length > 0) return { total, states, exhaustiveCuts, sampledCuts, violations, sites };
    }
  }
  return { total, states, exhaustiveCuts, sampledCuts, violations, sites };
}

/**
 * The crash states of a cut before operation k: every subset of the volatile operations when at
 * most 10, else none, all and `samples` seeded subsets; then the last volatile write torn, alone
 * and with everything else that was volatile.
 */
function crashStatesAt(
  sim: SimStorage,
  k: number,
  samples: number,
  next: () => number,
  exhaustiveUpTo = 10,
): { exhaustive: boolean; states: Iterable<{ state: SimState; label: string }> } {
  const volatile = sim.volatileBefore(k);
  const subsets: Set<number>[] = [];
  const exhaustive = volatile.length <= exhaustiveUpTo;
  if (exhaustive) {
    for (let mask = 0; mask < 1 << volatile.length; mask += 1) subsets.push(new Set(volatile.filter((_, i) => (mask & (1 << i)) !== 0)));
  } else {
    subsets.push(new Set(), new Set(volatile));
    for (let s = 0; s < samples; s += 1) subsets.push(new Set(volatile.filter(() => next() < 0.5)));
  }
  const lastWrite = [...volatile].reverse().find((i) => sim.opAt(i)?.k === 'data');
  function* states(): Generator<{ state: SimState; label: string }> {
    for (const survivors of subsets)
      yield { state: sim.crashState(k, survivors), label: `keeping ${survivors.size}/${volatile.length} volatile` };
    if (lastWrite !== undefined) {
      yield { state: sim.crashState(k, new Set(), lastWrite), label: 'torn write alone' };
      yield { state: sim.crashState(k, new Set(volatile.filter((i) => i !== lastWrite)), lastWrite), label: 'torn write with the rest' };
    }
  }
  return { exhaustive, states: states() };
}

export interface RecoveryReport {
  readonly total: number;
  readonly sites: ReadonlySet<string>;
  readonly states: number;
  readonly violations: readonly string[];
}

/**
 * The recovery mode under power cuts: a device whose two slots rotted after `update` was committed
 * runs recover(recovery); every crash state must either boot the recovery image, or fail with
 * BOOT_NO_VALID_SLOT before the recovery was acknowledged (and then recover again: tried on the
 * first such state of each cut point); the counter never moves before that boot.
 */
export async function runRecoveryHarness(options: {
  factory: MadeImage;
  update: MadeImage;
  recovery: MadeImage;
  samples?: number;
  /** fsync sites of the recovery left out (its mutation check). */
  skipSync?: ReadonlySet<string>;
  /** Every subset of the volatile operations up to this many (default 10), sampled beyond. */
  exhaustiveUpTo?: number;
}): Promise<RecoveryReport> {
  const { factory, update, recovery, samples = 4, skipSync = new Set<string>(), exhaustiveUpTo = 10 } = options;
  const setup = new SimStorage(await provisioned(factory));
  const first = new Device(setup, { now });
  await first.install(stream(update.bytes, 4096));
  await first.boot({ runner: healthyRunner(), isolation: 'none' });
  const broken = copySimState(setup.state);
  for (const slot of ['a', 'b']) {
    const node = broken.entries.get(`slots/${slot}/payload/core/blob.bin`);
    const bytes = node?.kind === 'file' ? broken.inodes.get(node.ino) : undefined;
    if (bytes === undefined) throw new Error(`slot ${slot} has no blob`);
    bytes[100] = (bytes[100] ?? 0) ^ 0x01;
  }
  const counterBefore = new Device(new SimStorage(broken), { now }).counter().security;
  let ackedAt = Number.POSITIVE_INFINITY;
  const sites = new Set<string>();
  let mutatedAt: number | undefined;
  const sim: SimStorage = new SimStorage(broken, {
    skip: skipSync,
    onSync: (site) => {
      sites.add(site);
      if (skipSync.has(site)) mutatedAt ??= sim.operations;
    },
  });
  const device = new Device(sim, {
    now,
    onDurable: (e) => {
      if (e.kind === 'record' && e.record.last.result === 'recovered') ackedAt = Math.min(ackedAt, sim.operations);
    },
  });
  await device.recover(stream(recovery.bytes, 4096));
  const total = sim.operations;
  const version = recovery.manifest.versions.firmware;
  const violations: string[] = [];
  let states = 0;
  const next = random(9);
  // As in runHarness: a mutated run is the unmutated one up to its first left-out fsync.
  for (let k = mutatedAt === undefined ? 1 : mutatedAt + 1; k <= total; k += 1) {
    // Recovering again is an install's cost: done once per cut point, the first state that needs it.
    let recoveredAgain = false;
    for (const { state, label } of crashStatesAt(sim, k, samples, next, exhaustiveUpTo).states) {
      if (skipSync.size > 0 && violations.length > 0) break;
      states += 1;
      const fail = (what: string): void => void violations.push(`cut ${k}/${total} ${label}: ${what}`);
      const crashed = new Device(new SimStorage(state), { now, isLockStale: () => true });
      if (crashed.counter().security !== counterBefore) fail('the counter moved before a boot');
      let booted;
      try {
        booted = await crashed.boot({ runner: healthyRunner(), isolation: 'none' });
      } catch (error) {
        if ((error as { code?: string }).code !== 'BOOT_NO_VALID_SLOT') {
          fail(`boot failed: ${String(error)}`);
          continue;
        }
        if (k >= ackedAt) fail('the recovery was acknowledged, yet nothing boots');
        if (recoveredAgain) continue;
        recoveredAgain = true;
        await crashed.recover(stream(recovery.bytes, 4096));
        booted = await crashed.boot({ runner: healthyRunner(), isolation: 'none' });
      }
      if (booted.version !== version) fail(`booted ${booted.version}, not the recovery image ${version}`);
      if (booted.status.committed?.version !== version) fail('status does not report the recovery image as committed');
      if (booted.status.securityCounter !== Math.max(counterBefore, recovery.manifest.versions.security))
        fail("the counter is not the recovery image's after its boot");
    }
    if (skipSync.size > 0 && violations.length > 0) break;
  }
  return { total, states, violations, sites };
}
