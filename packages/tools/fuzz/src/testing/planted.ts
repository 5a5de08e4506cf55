import { FwkitError } from '@fwkit/device-core';
import { under, type FuzzTarget } from '../engine/target.js';

/**
 * Test-only target with a planted bug: an untyped Error, thrown only when the input starts with
 * the four bytes "FUZZ". Each matching byte is its own branch, so coverage feedback leads a
 * fuzzer there one byte at a time; a blind mutator must guess all four at once (about 1 in 2^32).
 * Any other input is refused with a coded error, as a parser should.
 */
export const plantedTarget: FuzzTarget = {
  name: 'planted',
  description: 'test-only: a planted bug behind a four-byte magic',
  covers: under(new URL('.', import.meta.url).pathname),
  seeds: () => Promise.resolve([new TextEncoder().encode('hello, fuzzer')]),
  run(input) {
    if (input[0] === 0x46) {
      if (input[1] === 0x55) {
        if (input[2] === 0x5a) {
          if (input[3] === 0x5a) {
            throw new Error('planted bug reached');
          }
        }
      }
    }
    throw new FwkitError('PLANTED_REFUSED', 'not the magic');
  },
  isExpected: (error) => error instanceof FwkitError,
  shape: 'bytes',
  maxInputBytes: 64,
};
