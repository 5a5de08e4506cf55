import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreSample, countersOf, judgeDevice, judgeLive, type CoreSample } from './health.js';
import { startDomains, SUPERVISOR, type Domains, type Ending } from './domains.js';
import { isolationHost } from './host.js';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  type FirmwareFailureCode,
  type FirmwareLaunch,
  type HealthVerdict,
  type Isolation,
  type RunningFirmware,
} from './types.js';

/**
 * Starts a slot's firmware and judges its health (see README.md, "The firmware contract").
 * The I/O half: spawning, the process group, the probe over loopback. The judgement of the
 * answers is pure (health.ts).
 */

const PROBE_INTERVAL_MS = 150;
/** One request may not take longer, so a firmware that accepts and never answers cannot stall a probe round. */
const REQUEST_TIMEOUT_MS = 2000;
/** Longest API answer read; the two answers the probe reads are well under 2 KiB. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** The longest health check a launch may ask for (the CLI refuses a longer --health-timeout-ms as a usage error). */
export const MAX_HEALTH_TIMEOUT_MS = 10 * 60 * 1000;
/** The health timeouts a launch may ask for, in words; the rule itself is `isHealthTimeout`. */
export const HEALTH_TIMEOUT_RULE = `a whole number of milliseconds from 1 to ${MAX_HEALTH_TIMEOUT_MS}`;
/** The one rule for a health timeout: the launcher's, and the CLI's for --health-timeout-ms (checked before a trial can lose an attempt). */
export const isHealthTimeout = (ms: number): boolean => Number.isSafeInteger(ms) && ms >= 1 && ms <= MAX_HEALTH_TIMEOUT_MS;

/** Environment names the launcher passes: identity facts only, never anything named like a secret. */
const ENV_NAME = /^FWKIT_[A-Z0-9_]{1,64}$/;
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PRIVATE|CREDENTIAL/;
const ENV_VALUE = /^[\x20-\x7e]{0,256}$/;
/** A relative path inside the payload directory: no absolute path, no `.` or `..` segment. */
const ENTRY_PATH = /^(?!\.{1,2}(?:\/|$))(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Domain uids stay clear of system accounts (below 1000) and of the overflow id range. */
const MIN_UID_BASE = 1000;
const MAX_UID_BASE = 2 ** 31 - 1024;

const failure = (code: FirmwareFailureCode, reason: string): HealthVerdict => Object.freeze({ ok: false, code, reason });

/** What is wrong with a launch request, if anything (the installer's bug, reported as a start failure). */
function launchProblem(launch: FirmwareLaunch): string | undefined {
  if (typeof launch.payloadDir !== 'string' || launch.payloadDir === '') return 'payloadDir must be a directory path';
  const names = Object.keys(launch.domains);
  if (!names.includes(SUPERVISOR)) return 'the domains must include the supervisor';
  for (const [name, domain] of Object.entries(launch.domains)) {
    if (!ENTRY_PATH.test(domain.entry)) {
      return `the ${name} entry must be a relative path inside the payload directory, got ${JSON.stringify(domain.entry).slice(0, 100)}`;
    }
  }
  const outward = names.filter((name) => (launch.domains[name]?.grants.listen.length ?? 0) > 0);
  if (outward.length !== 1 || launch.domains[outward[0] ?? '']?.grants.listen.length !== 1) {
    return 'exactly one domain must hold exactly one listen grant (the API the health check asks)';
  }
  if (
    typeof launch.expect.model !== 'string' ||
    launch.expect.model === '' ||
    typeof launch.expect.version !== 'string' ||
    launch.expect.version === ''
  ) {
    return 'expect must name the signed model and version';
  }
  for (const [name, value] of Object.entries(launch.env ?? {})) {
    if (!ENV_NAME.test(name)) return `environment name ${JSON.stringify(name).slice(0, 80)} is not FWKIT_<NAME>`;
    if (SECRET_NAME.test(name)) return `environment ${name} looks like a secret; the firmware's domains get identity facts only`;
    if (!ENV_VALUE.test(value)) return `environment ${name} must be at most 256 printable ASCII characters`;
  }
  if (!isHealthTimeout(launch.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS)) return `healthTimeoutMs must be ${HEALTH_TIMEOUT_RULE}`;
  const port = launch.listenPort;
  if (port !== undefined && (!Number.isSafeInteger(port) || port < 0 || port > 65535)) return 'listenPort must be 0 to 65535';
  const isolation: Isolation = launch.isolation;
  if (isolation.mode === 'os') {
    if (!Number.isSafeInteger(isolation.uidBase) || isolation.uidBase < MIN_UID_BASE || isolation.uidBase > MAX_UID_BASE) {
      return `uidBase must be an integer from ${MIN_UID_BASE} to ${MAX_UID_BASE}`;
    }
    if (!isolation.stateDir.startsWith('/')) return 'stateDir must be an absolute path';
  }
  return undefined;
}

interface AnswerOf {
  readonly status: number;
  /** Undefined when the answer was larger than MAX_ANSWER_BYTES. */
  readonly body: string | undefined;
}

/** One GET over loopback, bounded in time and size; undefined when nothing answered (refused, reset, request timeout). */
async function get(url: string, signal: AbortSignal): Promise<AnswerOf | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]), redirect: 'manual' });
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      if (reader === undefined) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await reader.cancel();
        return { status: res.status, body: undefined };
      }
      chunks.push(value);
    }
    return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    if (signal.aborted) throw error;
    return undefined;
  }
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener(
      'abort',
      () => {
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/**
 * Asks the firmware until it answers healthy or wrong: the port from its stdout line, then
 * `/api/device` (model and version), then two `/api/health` reports in a row with rising frame
 * counts. Undefined once `signal` aborts; `progress.waiting` says what it was waiting for.
 */
async function probe(
  fw: Domains,
  launch: FirmwareLaunch,
  signal: AbortSignal,
  progress: { waiting: string },
): Promise<HealthVerdict | undefined> {
  try {
    const { port } = fw;
    const base = `http://127.0.0.1:${port}`;

    progress.waiting = `${base}/api/device never answered 200`;
    let device = await get(`${base}/api/device`, signal);
    while (device?.status !== 200) {
      await sleep(PROBE_INTERVAL_MS, undefined, { signal });
      device = await get(`${base}/api/device`, signal);
    }
    if (device.body === undefined) return failure('HEALTH_MISMATCH', '/api/device answered more than 64 KiB');
    const judged = judgeDevice(device.body, launch.expect);
    if (!judged.ok) return failure('HEALTH_MISMATCH', judged.reason);

    progress.waiting = `${base}/api/health never answered 200 with a core report`;
    let first: CoreSample | undefined;
    for (;;) {
      const health = await get(`${base}/api/health`, signal);
      if (health?.status === 200) {
        const sample = health.body === undefined ? undefined : coreSample(health.body);
        if (sample === undefined)
          return failure('HEALTH_MISMATCH', '/api/health answered 200 without a core report (seq, frames, compression, memory)');
        if (first === undefined) {
          first = sample;
          progress.waiting = `the core sent no health report after report ${sample.seq} (counters not live)`;
        } else {
          const live = judgeLive(first, sample);
          if (live !== undefined) {
            if (!live.ok) return failure('HEALTH_MISMATCH', live.reason);
            return Object.freeze({
              ok: true,
              port,
              model: judged.value.model,
              version: judged.value.firmware,
              counters: countersOf(live.value),
              isolation: launch.isolation.mode,
            });
          }
        }
      }
      await sleep(PROBE_INTERVAL_MS, undefined, { signal });
    }
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
}

function describeExit(ending: Extract<Ending, { kind: 'exit' }>): string {
  const how = ending.signal !== null ? `was killed by ${ending.signal}` : `exited with code ${ending.code ?? '?'}`;
  return `the ${ending.domain} domain ${how} before it answered healthy${ending.stderr === '' ? ' (no stderr)' : `; last stderr lines:\n${ending.stderr}`}`;
}

/** The first of: a verdict from the probe, the firmware's end, the deadline. */
async function judge(fw: Domains, launch: FirmwareLaunch): Promise<HealthVerdict> {
  const timeoutMs = launch.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const settled = new AbortController();
  const signal = AbortSignal.any([deadline, settled.signal]);
  const progress = { waiting: '' };
  const hung = () => failure('HEALTH_TIMEOUT', `no healthy answer within ${timeoutMs} ms: ${progress.waiting}`);
  const ended = fw.ended.then((ending) =>
    ending.kind === 'spawn-error'
      ? failure('FIRMWARE_START_FAILED', `cannot start the firmware: ${ending.message}`)
      : failure('FIRMWARE_CRASHED', describeExit(ending)),
  );
  try {
    return await Promise.race([
      probe(fw, launch, signal, progress).then((verdict) => verdict ?? hung()),
      ended,
      untilAborted(deadline).catch(hung),
    ]);
  } finally {
    settled.abort();
  }
}

function notStarted(reason: string): RunningFirmware {
  return Object.freeze({
    verdict: failure('FIRMWARE_START_FAILED', reason),
    exited: Promise.resolve(),
    groups: () => new Map<string, number>(),
    restarts: () => new Map<string, number>(),
    stop: () => Promise.resolve(),
  });
}

/**
 * Starts every domain of a slot's payload, the outward-facing one on the loopback port the
 * launcher bound, and waits for the health verdict. After a failed verdict the firmware is
 * already stopped; after a healthy one it runs until `stop()` (or until a vital domain dies:
 * `exited`). Under OS isolation a host that cannot isolate is a start failure; the installer
 * checks that before a boot (`isolationHost`), so that it never costs a trial attempt.
 */
export async function startFirmware(launch: FirmwareLaunch): Promise<RunningFirmware> {
  const problem = launchProblem(launch);
  if (problem !== undefined) return notStarted(problem);
  const payloadDir = resolve(launch.payloadDir);
  // A missing entry is a start failure, not a crash: the slot holds nothing to run.
  for (const [name, domain] of Object.entries(launch.domains)) {
    try {
      if (!(await stat(join(payloadDir, domain.entry))).isFile()) return notStarted(`the ${name} entry ${domain.entry} is not a file`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      return notStarted(`the ${name} entry ${domain.entry} cannot be read (${code})`);
    }
  }
  let host;
  if (launch.isolation.mode === 'os') {
    host = isolationHost();
    if ('missing' in host) return notStarted(`this host cannot isolate the domains: missing ${host.missing.join('; ')}`);
  }
  let fw: Domains;
  try {
    fw = await startDomains({ ...launch, payloadDir }, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return notStarted(`cannot set the domains up: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const verdict = await judge(fw, launch);
  if (!verdict.ok) await fw.stop();
  return Object.freeze({ verdict, exited: fw.exited, groups: () => fw.groups(), restarts: () => fw.restarts(), stop: () => fw.stop() });
}
