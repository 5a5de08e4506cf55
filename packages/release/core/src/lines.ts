import { compareVersions, parseVersion } from '@fwkit/device-core';

/**
 * Release lines (docs/decisions.md, "The version model"). A firmware version's line is its
 * MAJOR.MINOR: 1.4.2 is on line 1.4. The ledger is one timeline for every line; within a line
 * firmware versions go up in ledger order, and a new line opens above every line before it. These
 * rules replace the single global order (firmware order = ledger order) of the first ledger.
 */

/** The release line of a firmware version: "1.4" for 1.4.2. */
export function lineOf(firmware: string): string {
  const { major, minor } = parseVersion(firmware);
  return `${major}.${minor}`;
}

/** What the ledger order says of one more release: why `firmware` cannot follow `released`, if it cannot. */
export type LineOrderProblem =
  | { readonly kind: 'exists'; readonly firmware: string }
  /** Not above the last release of its own line. */
  | { readonly kind: 'not-newer-in-line'; readonly firmware: string; readonly line: string; readonly last: string }
  /** Its line has no release yet and a higher line has one: lines open in ascending order. */
  | { readonly kind: 'line-below-newest'; readonly firmware: string; readonly line: string; readonly newest: string };

/**
 * The ledger's order, one release at a time: the last release of each line and the newest
 * release. `problem` is the one ordering rule (the ledger schema, the release's version check
 * and the matrix's candidate all ask it); `add` takes a release in ledger order.
 */
export class LineOrder {
  private readonly lastOfLine = new Map<string, string>();
  private readonly seen = new Set<string>();
  private newestFirmware: string | undefined;

  constructor(released: readonly { readonly firmware: string }[] = []) {
    for (const r of released) this.add(r.firmware);
  }

  add(firmware: string): void {
    this.seen.add(firmware);
    this.lastOfLine.set(lineOf(firmware), firmware);
    if (this.newestFirmware === undefined || compareVersions(firmware, this.newestFirmware) > 0) this.newestFirmware = firmware;
  }

  /** The newest release so far, of any line. */
  get newest(): string | undefined {
    return this.newestFirmware;
  }

  /** Whether a release of `firmware` next would be a maintenance release: its line is below the newest release's. */
  isMaintenance(firmware: string): boolean {
    return this.newestFirmware !== undefined && compareLines(lineOf(firmware), lineOf(this.newestFirmware)) < 0;
  }

  /** Why `firmware` cannot be the next release, if it cannot. */
  problem(firmware: string): LineOrderProblem | undefined {
    if (this.seen.has(firmware)) return { kind: 'exists', firmware };
    const line = lineOf(firmware);
    const last = this.lastOfLine.get(line);
    if (last !== undefined) return compareVersions(firmware, last) > 0 ? undefined : { kind: 'not-newer-in-line', firmware, line, last };
    const newest = this.newestFirmware;
    if (newest !== undefined && compareVersions(firmware, newest) < 0) return { kind: 'line-below-newest', firmware, line, newest };
    return undefined;
  }
}

/** Why `firmware` cannot be appended after `released` (in ledger order), if it cannot. Pure. */
export function lineOrderProblem(released: readonly { readonly firmware: string }[], firmware: string): LineOrderProblem | undefined {
  return new LineOrder(released).problem(firmware);
}

/** The problem in words, with what to do. */
export function lineOrderMessage(problem: LineOrderProblem): string {
  switch (problem.kind) {
    case 'exists':
      return `firmware ${problem.firmware} is released already`;
    case 'not-newer-in-line':
      return `firmware ${problem.firmware} is not newer than ${problem.last}, the last release of line ${problem.line}; releases of a line go up in version`;
    case 'line-below-newest':
      return (
        `firmware ${problem.firmware} would open line ${problem.line} below ${problem.newest}: a line opens above every line before it, ` +
        `and a maintenance release continues a line that has releases`
      );
  }
}

/**
 * Whether a release of `firmware`, appended after `released`, is a maintenance release: its line is
 * below a line that already has a release.
 */
export function isMaintenanceRelease(released: readonly { readonly firmware: string }[], firmware: string): boolean {
  return new LineOrder(released).isMaintenance(firmware);
}

/** Order of two lines ("1.4" < "1.10"). */
export function compareLines(a: string, b: string): -1 | 0 | 1 {
  return compareVersions(`${a}.0`, `${b}.0`);
}

/**
 * The models a maintenance release of `line` serves: those with an image in the line's last
 * release, in ledger order (`released`). A main-line release serves every supported model.
 */
export function lineModels(
  released: readonly { readonly firmware: string; readonly images: readonly { readonly model: string }[] }[],
  line: string,
): ReadonlySet<string> {
  let last: (typeof released)[number] | undefined;
  for (const r of released) if (lineOf(r.firmware) === line) last = r;
  return new Set(last?.images.map((i) => i.model) ?? []);
}
