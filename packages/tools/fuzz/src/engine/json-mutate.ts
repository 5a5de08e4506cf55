import type { MutationContext } from './mutate.js';
import { utf8 } from './mutate.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A place in a document: the container and the key or index of the value there. */
interface Slot {
  readonly parent: Json[] | { [key: string]: Json };
  readonly key: string | number;
}

// Markers replaced after serialization: a key written twice, and a value nested deeply.
const DUP = '\u0000DUP\u0000';
const NEST = '\u0000NEST\u0000';

const STRINGS = ['', 'x'.repeat(300), '../../etc/passwd', '/abs', 'a\\b', '\u0000', '1.0.0', '1.0.0-rc.1', '>=1.0.0', '*', 'é', '\ud800'];
const NUMBERS = [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 32, 2 ** 53 + 1, 1e308, -1e308, Number.MIN_VALUE];

const decoder = new TextDecoder('utf-8', { fatal: true });

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < 5000) {
    const value = stack.pop() ?? null;
    if (Array.isArray(value)) {
      value.forEach((child, i) => {
        out.push({ parent: value, key: i });
        stack.push(child);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        out.push({ parent: value, key });
        stack.push(child);
      }
    }
  }
  return out;
}

function get(slot: Slot): Json {
  return Array.isArray(slot.parent) ? (slot.parent[slot.key as number] ?? null) : (slot.parent[slot.key] ?? null);
}

function set(slot: Slot, value: Json): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else slot.parent[slot.key] = value;
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
  else Reflect.deleteProperty(slot.parent, slot.key);
}

const MAX_STRUCTURED_DEPTH = 300;
const MAX_INDENTED_CHARS = 32 * 1024 * 1024;

/** Nesting depth, without recursion (the document may be deeper than the stack). */
function depthOf(root: Json): number {
  let deepest = 0;
  const stack: [Json, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() ?? [null, 0];
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_STRUCTURED_DEPTH) break;
    if (Array.isArray(value)) for (const child of value) stack.push([child, depth + 1]);
    else if (isObject(value)) for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function sortedCopy(value: Json, depth = 0): Json {
  if (depth > 200) return value;
  if (Array.isArray(value)) return value.map((v) => sortedCopy(v, depth + 1));
  if (isObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedCopy(value[key] ?? null, depth + 1);
    return out;
  }
  return value;
}

function aValue(ctx: MutationContext, doc: Json, all: readonly Slot[]): Json {
  const { rng } = ctx;
  switch (rng.below(7)) {
    case 0:
      return rng.pick([null, true, false]);
    case 1:
      return rng.pick(NUMBERS);
    case 2:
      return rng.pick(STRINGS);
    case 3:
      return rng.chance(0.5) ? [] : {};
    case 4: {
      // A copy of a value from elsewhere in the document (right type, wrong place).
      if (all.length === 0) return doc;
      return structuredClone(get(rng.pick(all)));
    }
    case 5: {
      const token = ctx.dictionary.length > 0 ? new TextDecoder().decode(rng.pick(ctx.dictionary)) : '"x"';
      try {
        return JSON.parse(token) as Json;
      } catch {
        return token;
      }
    }
    default:
      return NEST;
  }
}

function tweak(value: Json, ctx: MutationContext): Json {
  const { rng } = ctx;
  if (typeof value === 'number') return rng.pick([value + 1, value - 1, -value, value * 2, value + 0.5, Math.floor(value / 2)]);
  if (typeof value === 'string') {
    return rng.pick([value + '.0', value + '-x', value + '+b', value.slice(1), value.toUpperCase(), value.repeat(3), ` ${value}`, '']);
  }
  return value;
}

/**
 * A JSON-aware mutation: parse the input, change one value, key or array, and serialize it
 * again (compact, indented or canonical, since some readers demand the canonical form). Also
 * writes a key twice and nests a value thousands of levels deep. Undefined when the input is
 * not JSON.
 */
export function mutateJson(input: Uint8Array, ctx: MutationContext): Uint8Array | undefined {
  const { rng } = ctx;
  let doc: Json;
  try {
    doc = JSON.parse(decoder.decode(input)) as Json;
  } catch {
    return undefined;
  }
  // JSON.parse takes any depth, but indented serialization grows with depth squared: a document
  // a mutation nested 10,000 deep would come back as hundreds of megabytes. The readers refuse past
  // 256 levels, so a deeper document gains nothing from structure: mutate its bytes instead.
  if (depthOf(doc) > MAX_STRUCTURED_DEPTH) return undefined;
  const all = slots(doc);
  const slot = all.length > 0 ? rng.pick(all) : undefined;
  let depth = 0;
  if (slot === undefined) {
    doc = aValue(ctx, doc, all);
  } else {
    switch (rng.below(7)) {
      case 0:
        set(slot, aValue(ctx, doc, all));
        break;
      case 1:
        set(slot, tweak(get(slot), ctx));
        break;
      case 2:
        remove(slot);
        break;
      case 3: {
        // Write an existing key a second time with another value.
        if (!Array.isArray(slot.parent)) slot.parent[`${DUP}${String(slot.key)}`] = aValue(ctx, doc, all);
        else slot.parent.push(structuredClone(get(slot)));
        break;
      }
      case 4: {
        const target = get(slot);
        if (isObject(target)) {
          const token = ctx.dictionary.length > 0 ? new TextDecoder().decode(rng.pick(ctx.dictionary)) : '"x"';
          // A new key: where a schema keeps unknown fields, a deep value there reaches code behind it.
          target[rng.chance(0.2) ? '__proto__' : token.replace(/^"|"$/g, '')] = rng.chance(0.3) ? NEST : aValue(ctx, doc, all);
        } else if (Array.isArray(target)) {
          for (let i = 0, n = 1 + rng.below(rng.chance(0.9) ? 3 : 50); i < n; i++) target.push(structuredClone(target[0] ?? null));
        } else {
          set(slot, aValue(ctx, doc, all));
        }
        break;
      }
      case 5:
        set(slot, NEST);
        break;
      default: {
        // Swap a value with another one.
        const other = rng.pick(all);
        const a = get(slot);
        set(slot, get(other));
        set(other, a);
      }
    }
  }
  // Mostly shallow; sometimes deeper than any recursive walk survives.
  depth = rng.chance(0.6) ? rng.pick([2, 20, 200]) : rng.pick([2000, 10000, 20000]);
  let text: string;
  try {
    const style = rng.below(3);
    text = style === 0 ? JSON.stringify(sortedCopy(doc)) : JSON.stringify(doc);
    // Indenting adds up to two spaces a level to every token: only when that stays small (copies of
    // a deep array can make a document that would indent to gigabytes).
    if (style === 2 && text.length * (1 + 2 * depthOf(doc)) <= MAX_INDENTED_CHARS) text = JSON.stringify(doc, null, 2);
  } catch {
    return undefined;
  }
  const open = rng.chance(0.8) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  text = text
    .replaceAll(JSON.stringify(DUP).slice(0, -1), '"')
    .replaceAll(JSON.stringify(NEST), `${open.repeat(depth)}1${close.repeat(depth)}`);
  return utf8(text);
}
