import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { startFirmware as launch, type DomainLaunch, type RunningFirmware } from '@fwkit/device-run';
import { PLATFORM_DIR, type Bundle } from './bundle.js';

/** A running firmware (supervisor + domains) started from bundles by the device's launcher, for tests. */
export interface Firmware {
  readonly port: number;
  readonly url: string;
  /** Everything written to stderr so far (logs of all three domains). */
  stderr(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 4000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, graceMs);
    await exited(child);
    clearTimeout(timer);
  }
  running.delete(child);
}

/** Stops everything this module started (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child)));
  await Promise.all([...firmwares].map((fw) => fw.stop()));
}

const firmwares = new Set<RunningFirmware>();

/**
 * Starts a bundle's three domains as a device does (`@fwkit/device-run`, in the development mode:
 * plain processes; test/isolation.test.ts covers the sandboxes), on a free loopback port, and
 * waits until it answers healthy.
 */
export async function startFirmware(bundle: Bundle, env: Record<string, string> = {}): Promise<Firmware> {
  const { domains } = JSON.parse(await readFile(join(PLATFORM_DIR, 'platform.json'), 'utf8')) as {
    domains: Record<string, { entry: string; grants: DomainLaunch['grants'] }>;
  };
  let stderr = '';
  const fw = await launch({
    payloadDir: bundle.dir,
    domains: Object.fromEntries(Object.entries(domains).map(([name, d]) => [name, { entry: `${name}/main.js`, grants: d.grants }])),
    expect: { model: bundle.info.model, version: bundle.info.firmware },
    env: { FWKIT_HEALTH_INTERVAL_MS: '200', ...env },
    isolation: { mode: 'none' },
    listenPort: 0,
    log: (line) => (stderr += `${line}\n`),
  });
  firmwares.add(fw);
  if (!fw.verdict.ok) throw new Error(`the firmware did not start healthy: ${fw.verdict.code}: ${fw.verdict.reason}`);
  const { port } = fw.verdict;
  return { port, url: `http://127.0.0.1:${port}`, stderr: () => stderr, stop: () => fw.stop() };
}

/** Starts one domain bundle directly, with the test acting as the supervisor on fd 3. */
export function startDomain(
  bundle: string,
  env: Record<string, string> = {},
): { process: ChildProcess; channel: Duplex; stderr(): string } {
  const child = spawn(process.execPath, [bundle], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, FWKIT_HEALTH_INTERVAL_MS: '200', ...env },
  });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { process: child, channel: child.stdio[3] as Duplex, stderr: () => stderr };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs` (a guard, not a timing assertion). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
