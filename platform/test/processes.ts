import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';

/** A running firmware (supervisor + domains) started from bundles, for tests. */
export interface Firmware {
  readonly process: ChildProcess;
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
}

/** Starts `node <supervisor> --port 0` and waits for the protocol domain to announce its port. */
export async function startFirmware(supervisor: string, env: Record<string, string> = {}): Promise<Firmware> {
  const child = spawn(process.execPath, [supervisor, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FWKIT_HEALTH_INTERVAL_MS: '200', ...env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const guard = setTimeout(() => {
      reject(new Error(`no "listening" line within 15 s; stderr:\n${stderr}`));
    }, 15_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /protocol: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m?.[1] !== undefined) {
        clearTimeout(guard);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`firmware exited with ${code ?? '?'} before listening; stderr:\n${stderr}`));
    });
  });
  return {
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    stop: () => stopProcess(child),
  };
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
