import type { Io } from './io.js';

/**
 * The Io of this process. It imports nothing at start-up (`fwkit --help` loads it): the stop
 * signals and their error come from core when a writing command asks to be interruptible.
 */
export function processIo(): Io {
  const interactive = process.stderr.isTTY && process.env['CI'] === undefined;
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    progress: (text) => {
      if (interactive) process.stderr.write(`${text}\n`);
    },
    interruptible: async () => {
      const { InterruptedError, STOP_SIGNALS } = await import('@fwkit/device-core');
      const controller = new AbortController();
      for (const name of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) {
        // A second signal while cleaning up is ignored too: the cleanup is short, and SIGKILL remains.
        process.on(name, () => {
          controller.abort(new InterruptedError(name));
        });
      }
      return controller.signal;
    },
  };
}
