#!/usr/bin/env node
import { stopSignalsToAbort } from '@fwkit/device-core';
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
  interruptible: () => Promise.resolve(stopSignalsToAbort()),
});
