import { isFwkitError } from '@fwkit/device-core';

/**
 * Tests assert codes, not messages. These return the code of the coded error a call throws
 * (undefined when it does not throw) and rethrow anything uncoded, so that a plain TypeError
 * fails the test instead of passing as "some error".
 */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isFwkitError(error)) return error.code;
    throw error;
  }
  return undefined;
}

export async function rejectedCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (isFwkitError(error)) return error.code;
    throw error;
  }
  return undefined;
}
