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
  interruptible: async () => (await import('@fwkit/device-core')).stopSignalsToAbort(),
});
