import { writeLine } from '@fwkit/device-verify/stdio';
import type { Io } from './io.js';

/**
 * The Io of this process. At start-up it imports only the line writer (`fwkit --help` loads it):
 * the stop signals and their error come from core when a writing command asks to be interruptible.
 */
export function processIo(): Io {
  // Asked on the first progress line: process.stderr is a stream that costs start-up to build.
  let interactive: boolean | undefined;
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => {
      writeLine(1, text);
    },
    err: (text) => {
      writeLine(2, text);
    },
    progress: (text) => {
      interactive ??= process.stderr.isTTY && process.env['CI'] === undefined;
      if (interactive) writeLine(2, text);
    },
    interruptible: async () => (await import('@fwkit/device-core')).stopSignalsToAbort(),
  };
}
