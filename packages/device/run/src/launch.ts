import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreSample, countersOf, judgeDevice, judgeLive, type CoreSample } from './health.js';
import { LineSplitter, Tail, listeningPort } from './output.js';
import { groupRunning, signalGroup } from './process-group.js';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  type FirmwareFailureCode,
  type FirmwareLaunch,
  type HealthVerdict,
  type RunningFirmware,
} from './types.js';

/**
 * Starts a slot's firmware and judges its health (see README.md, "The firmware contract").
 * The I/O half: spawning, the process group, the probe over loopback. The judgement of the
 * answers is pure (health.ts).
 */

/** After SIGTERM, how long the firmware has before SIGKILL: above the supervisor's own 3 s grace for its domains. */
export const STOP_GRACE_MS = 5000;
const PROBE_INTERVAL_MS = 150;
/** One request may not take longer, so a firmware that accepts and never answers cannot stall a probe round. */
const REQUEST_TIMEOUT_MS = 2000;
/** Longest API answer read; the two answers the probe reads are well under 2 KiB. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** After the supervisor exits, how long its stderr may take to drain before the crash reason is written. */
const STDERR_DRAIN_MS = 300;
/** The longest health check a launch may ask for (the CLI refuses a longer --health-timeout-ms as a usage error). */
export const MAX_HEALTH_TIMEOUT_MS = 10 * 60 * 1000;

/** Environment names the launcher passes: identity facts only, never anything named like a secret. */
const ENV_NAME = /^FWKIT_[A-Z0-9_]{1,64}$/;
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PRIVATE|CREDENTIAL/;
const ENV_VALUE = /^[\x20-\x7e]{0,256}$/;
/** A relative path inside the payload directory: no absolute path, no `.` or `..` segment. */
const ENTRY_PATH = /^(?!\.{1,2}(?:\/|$))(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const failure = (code: FirmwareFailureCode, reason: string): HealthVerdict => Object.freeze({ ok: false, code, reason });

/** What is wrong with a launch request, if anything (the installer's bug, reported as a start failure). */
function launchProblem(launch: FirmwareLaunch): string | undefined {
  if (typeof launch.payloadDir !== 'string' || launch.payloadDir === '') return 'payloadDir must be a directory path';
  if (!ENTRY_PATH.test(launch.supervisorEntry) || launch.supervisorEntry.split('/').includes('..')) {
    return `supervisorEntry must be a relative path inside the payload directory, got ${JSON.stringify(launch.supervisorEntry).slice(0, 100)}`;
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
  const timeout = launch.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeout) || timeout < 1 || timeout > MAX_HEALTH_TIMEOUT_MS) {
    return `healthTimeoutMs must be an integer from 1 to ${MAX_HEALTH_TIMEOUT_MS}`;
  }
  return undefined;
}

type Ending =
  | { readonly kind: 'spawn-error'; readonly message: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string };

/** One started firmware: its process group, the port it announced, how it ended. */
interface Firmware {
  /** The port from the listening line; pending until the firmware prints it. */
  readonly port: Promise<number>;
  /** The supervisor's end (or the spawn's failure), with the stderr tail. */
  readonly ended: Promise<Ending>;
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

function spawnFirmware(entry: string, launch: FirmwareLaunch): Firmware {
  let child: ChildProcess;
  try {
    // Nothing of the launcher's environment is inherited (no NODE_OPTIONS, no paths to keys): only the identity facts.
    // detached: a new process group (and session) led by the supervisor, which its domains join.
    child = spawn(process.execPath, [entry, '--port', '0'], {
      cwd: launch.payloadDir,
      env: { ...launch.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      port: new Promise(() => undefined),
      ended: Promise.resolve({ kind: 'spawn-error', message }),
      exited: Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  }

  const tail = new Tail();
  const stderr = new LineSplitter((line) => {
    tail.add(line);
  });
  let announce: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolvePort) => {
    announce = resolvePort;
  });
  const stdout = new LineSplitter((line) => {
    const bound = listeningPort(line);
    if (bound !== undefined) announce(bound);
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout.push(chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
  });

  const pgid = child.pid;
  let killTimer: NodeJS.Timeout | undefined;
  // Once the group is gone its id may be reused: never signal it again.
  let gone = false;
  const terminate = () => {
    if (pgid === undefined || gone || killTimer !== undefined) return;
    signalGroup(pgid, 'SIGTERM');
    killTimer = setTimeout(() => {
      signalGroup(pgid, 'SIGKILL');
    }, STOP_GRACE_MS);
  };

  const ended = new Promise<Ending>((resolveEnded) => {
    // on, not once: a second 'error' without a listener would throw in the launcher.
    child.on('error', (error) => {
      // Without a pid the process never ran (ENOENT, EACCES, a bad cwd); other errors come with an exit.
      if (child.pid === undefined) resolveEnded({ kind: 'spawn-error', message: error.message });
    });
    child.once('exit', (code, signal) => {
      const report = () => {
        stderr.end();
        resolveEnded({ kind: 'exit', code, signal, stderr: tail.text() });
      };
      // The domains share the supervisor's stderr, so 'close' may wait for them; the tail is written either way.
      const drained = setTimeout(report, STDERR_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drained);
        report();
      });
    });
  });

  // Every process of the group, not only the supervisor: a domain left behind would hold the port or the sensor.
  const exited = new Promise<void>((resolveExited) => {
    if (pgid === undefined) {
      void ended.then(() => {
        resolveExited();
      });
      return;
    }
    child.once('exit', () => {
      void (async () => {
        if (groupRunning(pgid)) terminate();
        while (groupRunning(pgid)) await sleep(25);
        gone = true;
        clearTimeout(killTimer);
        resolveExited();
      })();
    });
  });

  return {
    port,
    ended,
    exited,
    stop: () => {
      terminate();
      return exited;
    },
  };
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
  fw: Firmware,
  expect: FirmwareLaunch['expect'],
  signal: AbortSignal,
  progress: { waiting: string },
): Promise<HealthVerdict | undefined> {
  try {
    progress.waiting = 'the firmware never printed "protocol: listening on http://127.0.0.1:<port>"';
    const port = await Promise.race([fw.port, untilAborted(signal)]);
    const base = `http://127.0.0.1:${port}`;

    progress.waiting = `${base}/api/device never answered 200`;
    let device = await get(`${base}/api/device`, signal);
    while (device?.status !== 200) {
      await sleep(PROBE_INTERVAL_MS, undefined, { signal });
      device = await get(`${base}/api/device`, signal);
    }
    if (device.body === undefined) return failure('HEALTH_MISMATCH', '/api/device answered more than 64 KiB');
    const judged = judgeDevice(device.body, expect);
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
  return `the firmware ${how} before it answered healthy${ending.stderr === '' ? ' (no stderr)' : `; last stderr lines:\n${ending.stderr}`}`;
}

/** The first of: a verdict from the probe, the firmware's end, the deadline. */
async function judge(fw: Firmware, launch: FirmwareLaunch): Promise<HealthVerdict> {
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
      probe(fw, launch.expect, signal, progress).then((verdict) => verdict ?? hung()),
      ended,
      untilAborted(deadline).catch(hung),
    ]);
  } finally {
    settled.abort();
  }
}

function notStarted(reason: string): RunningFirmware {
  return Object.freeze({ verdict: failure('FIRMWARE_START_FAILED', reason), exited: Promise.resolve(), stop: () => Promise.resolve() });
}

/**
 * Starts the supervisor of a slot's payload on an ephemeral loopback port and waits for the
 * health verdict. After a failed verdict the firmware is already stopped; after a healthy one
 * it runs until `stop()` (or until it dies: `exited`).
 */
export async function startFirmware(launch: FirmwareLaunch): Promise<RunningFirmware> {
  const problem = launchProblem(launch);
  if (problem !== undefined) return notStarted(problem);
  const payloadDir = resolve(launch.payloadDir);
  const entry = join(payloadDir, launch.supervisorEntry);
  // A missing entry is a start failure, not a crash: the slot holds nothing to run.
  try {
    if (!(await stat(entry)).isFile()) return notStarted(`the supervisor entry ${launch.supervisorEntry} is not a file`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    return notStarted(`the supervisor entry ${launch.supervisorEntry} cannot be read (${code})`);
  }

  const fw = spawnFirmware(entry, { ...launch, payloadDir });
  const verdict = await judge(fw, launch);
  if (!verdict.ok) await fw.stop();
  return Object.freeze({ verdict, exited: fw.exited, stop: () => fw.stop() });
}
