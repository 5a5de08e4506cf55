import { StartupError, isPlatformError } from './errors.js';

/**
 * Small process helpers shared by the domain entries. Logs go to stderr, one line each,
 * prefixed with the domain; stdout carries only the one-line announcements a launcher reads.
 */
export function logger(domain: string): (message: string) => void {
  return (message) => {
    process.stderr.write(`[${domain}] ${message}\n`);
  };
}

/** Integer from the environment, or `fallback` when unset; anything else is a usage error. */
export function envInt(name: string, min: number, max: number, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new StartupError('USAGE', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Value of `--name <value>` or `--name=<value>` in `argv`, if present. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg === `--${name}`) {
      const next = argv.at(i + 1);
      if (next === undefined) throw new StartupError('USAGE', `--${name} needs a value`);
      return next;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/**
 * Runs a domain's `main`. A coded startup error exits 2 with its message; anything else is a
 * bug and exits 3 with the stack, so a supervisor or init system sees why.
 */
export function runMain(domain: string, main: () => void | Promise<void>): void {
  const log = logger(domain);
  // Through a promise, so that a synchronous throw lands in the same handler.
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      if (isPlatformError(error)) {
        log(`${error.code}: ${error.message}`);
        process.exit(error instanceof StartupError ? 2 : 1);
      }
      log(`internal error (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(3);
    });
}
