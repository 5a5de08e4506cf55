import { FwkitError } from '@fwkit/device-core';
import { under, type FuzzTarget } from '../engine/target.js';

/** Test-only target that never returns on an input starting with "H": the supervisor's watchdog must stop it. */
export const hangTarget: FuzzTarget = {
  name: 'hang',
  description: 'test-only: an endless synchronous loop',
  covers: under(new URL('.', import.meta.url).pathname),
  seeds: () => Promise.resolve([new TextEncoder().encode('Hang')]),
  run(input) {
    while (input[0] === 0x48) {
      /* spin */
    }
    throw new FwkitError('HANG_REFUSED', 'not a hang');
  },
  isExpected: (error) => error instanceof FwkitError,
  shape: 'bytes',
};
