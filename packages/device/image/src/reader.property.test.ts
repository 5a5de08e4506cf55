import { posix } from 'node:path';
import { chunked, END_OF_ARCHIVE, rawHeader } from '@fwkit/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageError } from './errors.js';
import { TarReader } from './reader.js';

/**
 * The strict tar reader never yields a path outside its root: for any name and prefix, hostile
 * ones above all, the entry it yields has a normalized relative name, or it refuses the header
 * with a coded ImageError.
 */

const SEGMENTS = ['..', '.', '', 'a', 'payload', 'blocks', 'x.y', '...', '\\', '..\\', 'C:', 'c:\\', '\0', ' ', '~', 'é', '%2e%2e'];
const segment = fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary-ascii', maxLength: 12 }));
const hostileName = fc
  .tuple(
    fc.constantFrom('', '/', '\\', './', '../', 'C:/'),
    fc.array(segment, { minLength: 1, maxLength: 8 }),
    fc.constantFrom('/', '\\'),
    fc.constantFrom('', '/'),
  )
  .map(([lead, parts, sep, tail]) => `${lead}${parts.join(sep)}${tail}`);
const longName = fc.tuple(fc.nat({ max: 300 }), segment).map(([n, s]) => `${'a/'.repeat(n)}${s}`);

/** Bytes as one character each (a name field holds bytes; rawHeader writes the low byte of each character). */
const field = (text: string, max: number): string =>
  Array.from({ length: Math.min(text.length, max) }, (_, i) => String.fromCharCode(text.charCodeAt(i) & 0xff)).join('');

function isNormalizedRelative(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    !/^[A-Za-z]:/.test(name) &&
    posix.normalize(name) === name &&
    name !== '..' &&
    !name.startsWith('../') &&
    !name.endsWith('/')
  );
}

async function firstEntry(bytes: Uint8Array): Promise<{ name: string } | { code: string }> {
  const reader = new TarReader(chunked(bytes, 512));
  try {
    const entry = await reader.next();
    return entry === null ? { code: 'EMPTY' } : { name: entry.name };
  } catch (error) {
    if (error instanceof ImageError) return { code: error.code };
    throw error;
  } finally {
    await reader.close();
  }
}

describe('TarReader never yields a path outside its root', () => {
  it('any name and prefix: a normalized relative name, or a coded refusal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileName, longName), fc.option(hostileName, { nil: undefined }), async (name, prefix) => {
        const header = rawHeader({ name: field(name, 100), ...(prefix === undefined ? {} : { prefix: field(prefix, 155) }) });
        const bytes = new Uint8Array(header.byteLength + END_OF_ARCHIVE.byteLength);
        bytes.set(header);
        bytes.set(END_OF_ARCHIVE, header.byteLength);
        const result = await firstEntry(bytes);
        if ('name' in result) expect(isNormalizedRelative(result.name), JSON.stringify(result.name)).toBe(true);
        else expect(result.code).toMatch(/^IMAGE_[A-Z_]+$/);
      }),
      { numRuns: 500 },
    );
  });

  it('the classic traversal names are refused as unsafe paths', async () => {
    for (const name of [
      '../evil',
      '/etc/passwd',
      'a/../../b',
      'payload/../../x',
      '\\evil',
      'a\\..\\b',
      'C:evil',
      'blocks/',
      'a//b',
      './x',
    ]) {
      const header = rawHeader({ name });
      const bytes = new Uint8Array(header.byteLength + END_OF_ARCHIVE.byteLength);
      bytes.set(header);
      expect(await firstEntry(bytes), name).toEqual({ code: 'IMAGE_PATH_UNSAFE' });
    }
  });
});
