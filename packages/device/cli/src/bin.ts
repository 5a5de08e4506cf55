#!/usr/bin/env node
import { writeLine } from '@fwkit/device-verify/stdio';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => {
    writeLine(1, text);
  },
  err: (text) => {
    writeLine(2, text);
  },
  interruptible: async () => {
    const { InterruptedError, STOP_SIGNALS } = await import('@fwkit/device-core');
    const controller = new AbortController();
    for (const name of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) {
      process.on(name, () => {
        controller.abort(new InterruptedError(name));
      });
    }
    return controller.signal;
  },
});
