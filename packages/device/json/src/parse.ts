/**
 * A strict JSON reader: RFC 8259's grammar exactly, plus three refusals that JSON.parse does not
 * make, each a way for one document to mean two things or to exhaust the reader:
 *
 * - a key twice in one object (JSON.parse keeps the last value silently; a reader that keeps the
 *   first sees a different document) — `JSON_DUPLICATE_KEY`;
 * - a lone UTF-16 surrogate, raw or escaped (`"\ud800"`): it has no UTF-8 form, so the value cannot
 *   be written back as the same text — `JSON_INVALID`;
 * - nesting deeper than `maxDepth` (`[[[[...`; the reader is recursive) — `JSON_TOO_DEEP`.
 *
 * For every other document the value is the one JSON.parse returns. A `__proto__` key becomes an
 * own data property, as with JSON.parse, never a prototype change.
 *
 * Errors never quote the document: they give the line, column, UTF-8 byte offset and the path of
 * the value being read (key names are part of that path; each is cut to 64 characters).
 */

export type JsonErrorCode = 'JSON_INVALID' | 'JSON_DUPLICATE_KEY' | 'JSON_TOO_DEEP';

/** Arrays and objects nested deeper than this are refused unless `maxDepth` says otherwise. */
export const DEFAULT_MAX_DEPTH = 256;

export interface JsonParseOptions {
  /** Deepest nesting of arrays and objects accepted (the top-level value's container is depth 1). */
  readonly maxDepth?: number;
}

/** Where a document broke the grammar or a rule; `message` holds no content of the document. */
export class JsonParseError extends Error {
  override readonly name = 'JsonParseError';
  readonly code: JsonErrorCode;
  /** What is wrong, without the document's content (`duplicate key`, `unexpected character`). */
  readonly reason: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in characters (code points). */
  readonly column: number;
  /** 0-based offset in the document's UTF-8 bytes. */
  readonly offset: number;
  /** Path of the value being read (`releases[2].firmware`); '' at the top level. */
  readonly path: string;

  constructor(code: JsonErrorCode, reason: string, where: { line: number; column: number; offset: number; path: string }) {
    super(`${reason} at line ${where.line}, column ${where.column} (byte ${where.offset})${where.path === '' ? '' : ` in ${where.path}`}`);
    this.code = code;
    this.reason = reason;
    this.line = where.line;
    this.column = where.column;
    this.offset = where.offset;
    this.path = where.path;
  }
}

export function isJsonParseError(value: unknown): value is JsonParseError {
  return value instanceof JsonParseError;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_KEY_IN_PATH = 64;

/** `a.b[2]["odd key"]`: the style of core's formatPath, keys cut so that an error stays short. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const cut = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
      if (IDENTIFIER.test(cut)) out += out === '' ? cut : `.${cut}`;
      else out += `[${JSON.stringify(cut)}]`;
    }
  }
  return out;
}

/** Line, column (code points) and UTF-8 byte offset of UTF-16 index `pos`. Only computed on error. */
function locate(text: string, pos: number): { line: number; column: number; offset: number } {
  let line = 1;
  let column = 1;
  let offset = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(text.charCodeAt(i - 1)))) {
      column++;
    }
    if (c < 0x80) offset += 1;
    else if (c < 0x800) offset += 2;
    else if (isHigh(c) && isLow(text.charCodeAt(i + 1))) {
      offset += 4;
      i++;
    } else offset += 3;
  }
  return { line, column, offset };
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * A run of string characters that need no look: no quote, backslash, control character or UTF-16
 * surrogate. Skipped by the regular expression engine rather than a character at a time (a
 * 200 KB package-lock.json took ~100 ms in a fresh process, mostly in the string loop).
 */
// eslint-disable-next-line no-control-regex -- control characters end a run: they must be refused.
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

class Parser {
  readonly #text: string;
  readonly #maxDepth: number;
  #pos = 0;
  readonly #path: (string | number)[] = [];

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  parse(): unknown {
    this.#skipWhitespace();
    const value = this.#value(0);
    this.#skipWhitespace();
    if (this.#pos < this.#text.length) this.#fail('JSON_INVALID', 'unexpected data after the JSON value');
    return value;
  }

  #fail(code: JsonErrorCode, reason: string, at = this.#pos): never {
    throw new JsonParseError(code, reason, { ...locate(this.#text, at), path: formatJsonPath(this.#path) });
  }

  #unexpected(): never {
    this.#fail('JSON_INVALID', this.#pos >= this.#text.length ? 'unexpected end of input' : 'unexpected character');
  }

  #skipWhitespace(): void {
    const text = this.#text;
    let pos = this.#pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.#pos = pos;
  }

  #value(depth: number): unknown {
    const c = this.#text.charCodeAt(this.#pos);
    switch (c) {
      case 0x7b: // {
        return this.#object(depth + 1);
      case 0x5b: // [
        return this.#array(depth + 1);
      case 0x22: // "
        return this.#string();
      case 0x74: // t
        return this.#literal('true', true);
      case 0x66: // f
        return this.#literal('false', false);
      case 0x6e: // n
        return this.#literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
        return this.#unexpected();
    }
  }

  #literal<T>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#pos)) {
      // Point at the first character that differs.
      let i = 0;
      while (i < word.length && this.#text.charCodeAt(this.#pos + i) === word.charCodeAt(i)) i++;
      this.#pos += i;
      this.#unexpected();
    }
    this.#pos += word.length;
    return value;
  }

  #enter(depth: number): void {
    if (depth > this.#maxDepth) this.#fail('JSON_TOO_DEEP', `nesting deeper than ${this.#maxDepth}`);
    this.#pos++;
    this.#skipWhitespace();
  }

  #object(depth: number): Record<string, unknown> {
    this.#enter(depth);
    const out: Record<string, unknown> = {};
    if (this.#text.charCodeAt(this.#pos) === 0x7d) {
      this.#pos++;
      return out;
    }
    for (;;) {
      if (this.#text.charCodeAt(this.#pos) !== 0x22) this.#unexpected();
      const keyAt = this.#pos;
      const key = this.#string();
      this.#path.push(key);
      if (Object.prototype.hasOwnProperty.call(out, key)) this.#fail('JSON_DUPLICATE_KEY', 'duplicate key', keyAt);
      this.#skipWhitespace();
      if (this.#text.charCodeAt(this.#pos) !== 0x3a) this.#unexpected();
      this.#pos++;
      this.#skipWhitespace();
      const value = this.#value(depth);
      this.#path.pop();
      // An own data property, as JSON.parse makes it: `out[key] = v` would set the prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      this.#skipWhitespace();
      const c = this.#text.charCodeAt(this.#pos);
      if (c === 0x2c) {
        this.#pos++;
        this.#skipWhitespace();
      } else if (c === 0x7d) {
        this.#pos++;
        return out;
      } else this.#unexpected();
    }
  }

  #array(depth: number): unknown[] {
    this.#enter(depth);
    const out: unknown[] = [];
    if (this.#text.charCodeAt(this.#pos) === 0x5d) {
      this.#pos++;
      return out;
    }
    for (;;) {
      this.#path.push(out.length);
      out.push(this.#value(depth));
      this.#path.pop();
      this.#skipWhitespace();
      const c = this.#text.charCodeAt(this.#pos);
      if (c === 0x2c) {
        this.#pos++;
        this.#skipWhitespace();
      } else if (c === 0x5d) {
        this.#pos++;
        return out;
      } else this.#unexpected();
    }
  }

  #digits(): number {
    const start = this.#pos;
    for (;;) {
      const c = this.#text.charCodeAt(this.#pos);
      if (c >= 0x30 && c <= 0x39) this.#pos++;
      else break;
    }
    return this.#pos - start;
  }

  #number(): number {
    const start = this.#pos;
    const text = this.#text;
    if (text.charCodeAt(this.#pos) === 0x2d) this.#pos++;
    if (text.charCodeAt(this.#pos) === 0x30) this.#pos++;
    else if (this.#digits() === 0) this.#unexpected();
    if (text.charCodeAt(this.#pos) === 0x2e) {
      this.#pos++;
      if (this.#digits() === 0) this.#unexpected();
    }
    const e = text.charCodeAt(this.#pos);
    if (e === 0x65 || e === 0x45) {
      this.#pos++;
      const sign = text.charCodeAt(this.#pos);
      if (sign === 0x2b || sign === 0x2d) this.#pos++;
      if (this.#digits() === 0) this.#unexpected();
    }
    // Number() of a token of this grammar is exactly what JSON.parse yields (1e400 → Infinity, -0 → -0).
    return Number(text.slice(start, this.#pos));
  }

  #string(): string {
    const text = this.#text;
    this.#pos++;
    let out = '';
    let runStart = this.#pos;
    for (;;) {
      PLAIN_RUN.lastIndex = this.#pos;
      PLAIN_RUN.test(text);
      this.#pos = PLAIN_RUN.lastIndex;
      const c = text.charCodeAt(this.#pos);
      if (c === 0x22) {
        out += text.slice(runStart, this.#pos);
        this.#pos++;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(runStart, this.#pos);
        out += this.#escape();
        runStart = this.#pos;
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) {
        // Control characters must be escaped; NaN is the end of the text.
        this.#unexpected();
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        if (isHigh(c) && isLow(text.charCodeAt(this.#pos + 1))) this.#pos++;
        else this.#fail('JSON_INVALID', 'lone surrogate in string');
      }
      this.#pos++;
    }
  }

  /** One escape sequence at `pos` (the backslash); a surrogate pair takes two `\u` escapes. */
  #escape(): string {
    const at = this.#pos;
    const c = this.#text.charCodeAt(this.#pos + 1);
    if (c !== 0x75) {
      const simple = ESCAPES[c];
      if (simple === undefined) {
        this.#pos++;
        this.#fail('JSON_INVALID', Number.isNaN(c) ? 'unexpected end of input' : 'invalid escape');
      }
      this.#pos += 2;
      return simple;
    }
    const unit = this.#hex4(this.#pos + 2);
    this.#pos += 6;
    if (isLow(unit)) this.#fail('JSON_INVALID', 'lone surrogate in string', at);
    if (!isHigh(unit)) return String.fromCharCode(unit);
    if (this.#text.charCodeAt(this.#pos) === 0x5c && this.#text.charCodeAt(this.#pos + 1) === 0x75) {
      const low = this.#hex4(this.#pos + 2);
      if (isLow(low)) {
        this.#pos += 6;
        return String.fromCharCode(unit, low);
      }
    }
    return this.#fail('JSON_INVALID', 'lone surrogate in string', at);
  }

  #hex4(at: number): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const digit = hexValue(this.#text.charCodeAt(at + i));
      if (digit < 0) {
        this.#pos = at + i;
        this.#fail('JSON_INVALID', at + i >= this.#text.length ? 'unexpected end of input' : 'invalid \\u escape');
      }
      value = value * 16 + digit;
    }
    return value;
  }
}

/** A JSON string (in a text JSON.parse accepted: matched from its start, each string is met once). */
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/g;
/** A UTF-16 surrogate, raw or as an escape: where a lone one could hide (rare in documents). */
const SURROGATE = /[\ud800-\udfff]|\\ud[89a-f]/i;

/** The number of keys of every object in `value`, and its depth (arrays and objects), without recursion. */
function shapeOf(value: unknown): { keys: number; depth: number } {
  let keys = 0;
  let depth = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, level] = next;
    if (typeof item !== 'object' || item === null) continue;
    depth = Math.max(depth, level + 1);
    const array = Array.isArray(item);
    const children: unknown[] = array ? item : Object.values(item);
    if (!array) keys += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push([child, level + 1]);
  }
  return { keys, depth };
}

/**
 * JSON.parse's value when the strict reader would give the same one: the text parses, holds no
 * surrogate, is no deeper than `maxDepth`, and writes as many keys as the value has (a key written
 * twice in one object leaves one fewer). Otherwise undefined, and the strict reader decides.
 * V8's parser is several times faster than this one on a large document (package-lock.json).
 */
function parsedByJsonParse(text: string, maxDepth: number): { value: unknown } | undefined {
  if (SURROGATE.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const shape = shapeOf(value);
  if (shape.depth > maxDepth) return undefined;
  // Outside its strings a JSON text has a colon after each key it writes, and nowhere else.
  const outside = text.replace(STRING, '');
  let written = 0;
  for (let at = outside.indexOf(':'); at !== -1; at = outside.indexOf(':', at + 1)) written++;
  return written === shape.keys ? { value } : undefined;
}

/**
 * Parse `text` as one JSON value (RFC 8259), refusing duplicate keys, lone surrogates and nesting
 * deeper than `maxDepth`. Throws JsonParseError; never quotes the text.
 */
export function parseJson(text: string, options: JsonParseOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const parsed = parsedByJsonParse(text, maxDepth);
  return parsed === undefined ? parseJsonStrictly(text, { maxDepth }) : parsed.value;
}

/** The strict reader alone, character by character: what `parseJson` gives, without its fast path (tests compare the two). */
export function parseJsonStrictly(text: string, options: JsonParseOptions = {}): unknown {
  return new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH).parse();
}
