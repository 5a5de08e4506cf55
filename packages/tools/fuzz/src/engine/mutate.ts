import { concatBytes } from '@fwkit/test-utils';
import type { Rng } from './rng.js';
import { mutateJson } from './json-mutate.js';
import { mutateTar } from './tar-mutate.js';

/** What a mutation may draw on besides the input itself. */
export interface MutationContext {
  readonly rng: Rng;
  /** Other inputs of the corpus (for splicing). */
  readonly corpus: readonly Uint8Array[];
  /** Tokens taken from the seeds (JSON keys and strings, tar field values). */
  readonly dictionary: readonly Uint8Array[];
  readonly maxBytes: number;
  readonly shape: 'json' | 'tar' | 'bytes';
}

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x22, 0x2e, 0x2f, 0x30, 0x37, 0x38, 0x39, 0x5c, 0x5b, 0x5d, 0x7b, 0x7d];
const INTERESTING_32 = [0, 1, -1, 0x7f, 0x80, 0xff, 0x100, 0x200, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000];
const NUMBER_TEXT = ['0', '-0', '-1', '1', '1.5', '1e309', '-1e309', '9007199254740993', '4294967296', '077', '1e2', '0x10'];

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** A random [start, end) range of `length`, mostly short. */
function range(rng: Rng, length: number): [number, number] {
  const start = rng.below(length);
  const max = length - start;
  const size = 1 + rng.below(rng.chance(0.8) ? Math.min(max, 16) : max);
  return [start, start + size];
}

type ByteMutation = (input: Uint8Array, ctx: MutationContext) => Uint8Array;

const byteMutations: readonly ByteMutation[] = [
  // Flip one bit.
  (input, { rng }) => {
    if (input.byteLength === 0) return input;
    const out = input.slice();
    const i = rng.below(out.byteLength);
    out[i] = (out[i] ?? 0) ^ (1 << rng.below(8));
    return out;
  },
  // Set a byte to a random or an interesting value.
  (input, { rng }) => {
    if (input.byteLength === 0) return Uint8Array.of(rng.below(256));
    const out = input.slice();
    out[rng.below(out.byteLength)] = rng.chance(0.5) ? rng.below(256) : rng.pick(INTERESTING_8);
    return out;
  },
  // Add or subtract a small amount from a byte.
  (input, { rng }) => {
    if (input.byteLength === 0) return input;
    const out = input.slice();
    const i = rng.below(out.byteLength);
    out[i] = ((out[i] ?? 0) + (rng.chance(0.5) ? 1 : -1) * (1 + rng.below(16))) & 0xff;
    return out;
  },
  // Write an interesting 16- or 32-bit integer, either byte order.
  (input, { rng }) => {
    const width = rng.chance(0.5) ? 2 : 4;
    if (input.byteLength < width) return input;
    const out = input.slice();
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const at = rng.below(out.byteLength - width + 1);
    const value = rng.pick(INTERESTING_32);
    if (width === 2) view.setUint16(at, value & 0xffff, rng.chance(0.5));
    else view.setUint32(at, value >>> 0, rng.chance(0.5));
    return out;
  },
  // Insert random bytes.
  (input, { rng }) => {
    const at = rng.below(input.byteLength + 1);
    const bytes = Uint8Array.from({ length: 1 + rng.below(8) }, () => rng.below(256));
    return concatBytes(input.subarray(0, at), bytes, input.subarray(at));
  },
  // Delete a range.
  (input, { rng }) => {
    if (input.byteLength < 2) return input;
    const [start, end] = range(rng, input.byteLength);
    return concatBytes(input.subarray(0, start), input.subarray(end));
  },
  // Duplicate a range in place, or copy it over another place.
  (input, { rng }) => {
    if (input.byteLength === 0) return input;
    const [start, end] = range(rng, input.byteLength);
    const piece = input.slice(start, end);
    const at = rng.below(input.byteLength + 1);
    if (rng.chance(0.5)) return concatBytes(input.subarray(0, at), piece, input.subarray(at));
    const out = input.slice();
    out.set(piece.subarray(0, Math.max(0, out.byteLength - at)), Math.min(at, out.byteLength));
    return out;
  },
  // Splice: a prefix of this input and a suffix of another corpus entry.
  (input, { rng, corpus }) => {
    if (corpus.length === 0) return input;
    const other = rng.pick(corpus);
    return concatBytes(input.subarray(0, rng.below(input.byteLength + 1)), other.subarray(rng.below(other.byteLength + 1)));
  },
  // Insert or overwrite with a dictionary token.
  (input, { rng, dictionary }) => {
    if (dictionary.length === 0) return input;
    const token = rng.pick(dictionary);
    const at = rng.below(input.byteLength + 1);
    const cut = rng.chance(0.5) ? at : Math.min(input.byteLength, at + token.byteLength);
    return concatBytes(input.subarray(0, at), token, input.subarray(cut));
  },
  // Replace a run of ASCII digits with an interesting number.
  (input, { rng }) => {
    const starts: number[] = [];
    for (let i = 0; i < input.byteLength; i++) {
      const b = input[i] ?? 0;
      const prev = i === 0 ? 0 : (input[i - 1] ?? 0);
      if (b >= 0x30 && b <= 0x39 && !(prev >= 0x30 && prev <= 0x39)) starts.push(i);
    }
    if (starts.length === 0) return input;
    const start = rng.pick(starts);
    let end = start;
    while (end < input.byteLength && (input[end] ?? 0) >= 0x30 && (input[end] ?? 0) <= 0x39) end++;
    return concatBytes(input.subarray(0, start), utf8(rng.pick(NUMBER_TEXT)), input.subarray(end));
  },
];

function mutateBytes(input: Uint8Array, ctx: MutationContext): Uint8Array {
  return ctx.rng.pick(byteMutations)(input, ctx);
}

/** A JSON- or tar-aware mutation, or undefined (not picked, or the input too deep or broken for it). */
function structuredMutation(input: Uint8Array, ctx: MutationContext): Uint8Array | undefined {
  try {
    if (ctx.shape === 'json' && ctx.rng.chance(0.4)) return mutateJson(input, ctx);
    if (ctx.shape === 'tar' && ctx.rng.chance(0.5)) return mutateTar(input, ctx, mutateBytes);
  } catch {
    // A document nested deeper than the stack allows cannot be taken apart; mutate its bytes instead.
  }
  return undefined;
}

/**
 * One new input from `input`: a short stack of mutations (havoc), structure-aware ones (JSON
 * values, tar headers and entries) mixed with byte-level ones, cut to `maxBytes`.
 */
export function mutate(input: Uint8Array, ctx: MutationContext): Uint8Array {
  const { rng } = ctx;
  let out = input;
  const rounds = 1 + rng.below(rng.chance(0.7) ? 2 : 6);
  for (let i = 0; i < rounds; i++) {
    out = structuredMutation(out, ctx) ?? mutateBytes(out, ctx);
    // Cut after every step: stacked growth (an array copied into itself) would otherwise explode.
    if (out.byteLength > ctx.maxBytes) out = out.slice(0, ctx.maxBytes);
  }
  return out;
}

/** Dictionary tokens from seeds: quoted JSON strings and the structural bits of JSON and ustar. */
export function dictionaryOf(seeds: readonly Uint8Array[], shape: MutationContext['shape']): Uint8Array[] {
  const tokens = new Set<string>(['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '\\u0000', '"__proto__"', '\n']);
  if (shape === 'tar') for (const t of ['ustar\0', 'ustar  \0', '00', '../', '/', '\\', '0000644 ', '0000000 ']) tokens.add(t);
  const decoder = new TextDecoder();
  for (const seed of seeds) {
    const text = decoder.decode(seed.byteLength > 1 << 20 ? seed.subarray(0, 1 << 20) : seed);
    for (const match of text.matchAll(/"(?:[^"\\\n]|\\.){1,64}"/g)) {
      tokens.add(match[0]);
      if (tokens.size > 2000) break;
    }
  }
  return [...tokens].map(utf8);
}
