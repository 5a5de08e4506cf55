/**
 * JSON text for files people review (releases/ledger.json): two-space indent, every object
 * expanded, an array on one line when it fits in `width` columns. This is what Prettier prints
 * for such a file, so `prettier --check` stays clean on a ledger fwkit wrote (a test holds it to
 * that), without Prettier at run time. Widths count UTF-16 code units, as Prettier does for ASCII;
 * only arrays of strings are laid out by width, and the ledger's (hardware revisions) are ASCII.
 */
export function formatJson(value: unknown, width = 140): string {
  return `${print(value, '', 0, 0, width)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Prettier breaks an array of two or more arrays (or objects) that each hold more than one entry. */
function mustBreak(items: readonly unknown[]): boolean {
  return (
    items.length > 1 &&
    (items.every((i) => Array.isArray(i) && i.length > 1) || items.every((i) => isObject(i) && Object.keys(i).length > 1))
  );
}

/** Flat form of a value, or undefined when it cannot be flat (a non-empty object, an array that must break). */
function flat(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (mustBreak(items)) return undefined;
    const parts: string[] = [];
    for (const item of items) {
      const part = flat(item);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return `[${parts.join(', ')}]`;
  }
  if (isObject(value)) return Object.keys(value).length === 0 ? '{}' : undefined;
  return scalar(value);
}

function scalar(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`not representable in JSON: ${typeof value}`);
  return text;
}

/**
 * `column` is where the value starts on its line; `after` counts what follows it on the same
 * line (a comma), which must fit too.
 */
function print(value: unknown, indent: string, column: number, after: number, width: number): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.length === 0) return '[]';
    const oneLine = flat(items);
    if (oneLine !== undefined && column + oneLine.length + after <= width) return oneLine;
    if (items.every((i) => typeof i === 'number')) return fillNumbers(items, indent, width);
    const lines = items.map((item, i) => inner + print(item, inner, inner.length, i < items.length - 1 ? 1 : 0, width));
    return `[\n${lines.join(',\n')}\n${indent}]`;
  }
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, v], i) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return head + print(v, inner, head.length, i < entries.length - 1 ? 1 : 0, width);
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return scalar(value);
}

/** A list of numbers too long for one line: as many per line as fit (Prettier's "fill"). */
function fillNumbers(items: readonly number[], indent: string, width: number): string {
  const inner = `${indent}  `;
  const parts = items.map((n, i) => scalar(n) + (i < items.length - 1 ? ',' : ''));
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line === '') line = inner + part;
    else if (line.length + 1 + part.length <= width) line += ` ${part}`;
    else {
      lines.push(line);
      line = inner + part;
    }
  }
  lines.push(line);
  return `[\n${lines.join('\n')}\n${indent}]`;
}
