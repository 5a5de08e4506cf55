import { compileUpgrade, type CompiledUpgrade, type ReasonCode } from '@fwkit/device-core';

/** What the upgrade rules need of a release. */
export interface UpgradeNode {
  readonly firmware: string;
  readonly security: number;
  readonly upgradeFrom: string;
  readonly installerFormats: readonly number[];
  /**
   * Ledger order (time order). A release only counts the releases before it in time: a later
   * maintenance release of an older line is not a version the earlier release had to bring
   * forward. Absent: the version order is the time order.
   */
  readonly sequence?: number;
}

/** Versions that take the same route: spans `[first, last]` of release indexes, inclusive, over the model's releases. */
export interface Route {
  readonly spans: readonly (readonly [number, number])[];
  readonly count: number;
  /** Releases installed on the way (the target excluded); shared by every route that extends it. */
  readonly via: Hops;
}

/** How devices of one model reach one release: versions that cannot, and routes through other releases. */
export interface PathResult {
  /** Release indexes with an image for the model, below the target and released before it, from which no path leads to it. */
  readonly stranded: readonly number[];
  readonly routes: readonly Route[];
}

export const NO_PATH_PROBLEM: PathResult = Object.freeze({ stranded: Object.freeze([]), routes: Object.freeze([]) });

/** A route's hops as a linked list (last hop first) that shares its start with the routes it extends. */
export interface Hops {
  readonly hop: number;
  readonly before: Hops | null;
}

interface Group {
  readonly bits: Uint32Array;
  readonly hops: Hops;
}

export function hopList(hops: Hops): number[] {
  const out: number[] = [];
  for (let h: Hops | null = hops; h !== null; h = h.before) out.push(h.hop);
  return out.reverse();
}

/**
 * The upgrade graph over releases (ascending by firmware). A direct upgrade X→Y depends on the
 * release pair (Y accepts X's firmware in its upgrade range; the security version does not go
 * down: the device's own rules, core `compileUpgrade`) and on the format of the model's image in Y (X's installer must verify it). The pair
 * edges are computed once as bitsets; each model then costs a few word operations per release.
 */
export class UpgradeGraph {
  readonly size: number;
  private readonly words: number;
  /** accepts[j]: releases i < j, earlier in time, that j accepts (upgrade range and security); `words` words each. */
  private readonly accepts: Uint32Array;
  /** earlier[j]: releases i < j released before j (every i < j when the version order is the time order). */
  private readonly earlier: Uint32Array;
  private readonly installers = new Map<number, Uint32Array>();
  /** Each release's upgrade rules, compiled once (its upgradeFrom range parsed once). */
  private readonly rules: readonly CompiledUpgrade[];
  /** Scratch space of `paths`, reused from model to model (large typed arrays are costly to allocate). */
  private readonly into: Uint32Array;
  private readonly reach: Uint32Array;

  constructor(private readonly releases: readonly UpgradeNode[]) {
    this.rules = releases.map(compileUpgrade);
    this.size = releases.length;
    this.words = Math.ceil(this.size / 32);
    this.accepts = new Uint32Array(this.size * this.words);
    this.into = new Uint32Array(this.size * this.words);
    this.reach = new Uint32Array(this.size * this.words);
    this.earlier = new Uint32Array(this.size * this.words);
    releases.forEach((to, j) => {
      for (let i = 0; i < j; i += 1) {
        const from = releases[i];
        if (from === undefined || (from.sequence ?? i) > (to.sequence ?? j)) continue;
        setBit(this.earlier, j * this.words, i);
        if (this.rules[j]?.accepts(from) === true) setBit(this.accepts, j * this.words, i);
      }
    });
  }

  /** The device's own rules (core `compileUpgrade`): why may a device running release i not install release j's image? */
  private pairReasons(i: number, j: number): ReasonCode[] {
    const from = this.releases[i];
    return from === undefined ? [] : (this.rules[j]?.check(from).map((r) => r.code) ?? []);
  }

  /** Releases whose installer verifies `format`. */
  private installersOf(format: number): Uint32Array {
    let set = this.installers.get(format);
    if (set === undefined) {
      const bits = new Uint32Array(this.words);
      this.releases.forEach((r, i) => {
        if (r.installerFormats.includes(format)) setBit(bits, 0, i);
      });
      this.installers.set(format, bits);
      set = bits;
    }
    return set;
  }

  /** Why X→Y is not a direct upgrade for an image of `format` (empty: it is one). */
  whyNoDirect(i: number, j: number, format: number): string[] {
    const from = this.releases[i];
    const to = this.releases[j];
    if (from === undefined || to === undefined) return [];
    const out: string[] = [];
    const codes = this.pairReasons(i, j);
    if (codes.includes('UPGRADE_FROM_UNSUPPORTED')) out.push(`${to.firmware} accepts upgrades from ${to.upgradeFrom} only`);
    if (!from.installerFormats.includes(format)) {
      out.push(`the installer of ${from.firmware} verifies image format ${from.installerFormats.join(', ')}, not ${format}`);
    }
    if (codes.includes('SECURITY_VERSION_ROLLBACK')) out.push(`the security version would go down from ${from.security} to ${to.security}`);
    if (codes.includes('FIRMWARE_DOWNGRADE')) out.push(`${to.firmware} is older than ${from.firmware}`);
    return out;
  }

  /**
   * For one model: `formats[j]` is the format of its image in release j (undefined: no image).
   * Returns, for every release, which of the model's earlier releases cannot reach it and the
   * routes of those that reach it only through other releases.
   *
   * reach(j) = ⋃ over direct predecessors Y of j, lowest first, of {Y} ∪ reach(Y); a version
   * reached through Y takes its route to Y, then Y. Lowest first, because the oldest release that
   * j accepts is usually the stepping stone that opened the path.
   */
  paths(formats: readonly (number | undefined)[]): PathResult[] {
    const W = this.words;
    const n = this.size;
    const present = new Uint32Array(W);
    // rank[i]: how many of the model's releases come before i (to cut version lists into spans).
    const rank = new Int32Array(n);
    let count = 0;
    for (let j = 0; j < n; j += 1) {
      rank[j] = count;
      if (formats[j] !== undefined) {
        setBit(present, 0, j);
        count += 1;
      }
    }
    // Every word of a release with an image is written before it is read; the others stay zero.
    const into = this.into.fill(0);
    const reach = this.reach.fill(0);
    const groups: Group[][] = [];
    const results: PathResult[] = [];
    const below = new Uint32Array(W);
    const fresh = new Uint32Array(W);
    // One Hops object per route, so that equal routes are the same object.
    const hopsAfter: Map<Hops | null, Hops>[] = [];
    const hopsOf = (hop: number, before: Hops | null): Hops => {
      const byBefore = (hopsAfter[hop] ??= new Map());
      let hops = byBefore.get(before);
      if (hops === undefined) {
        hops = { hop, before };
        byBefore.set(before, hops);
      }
      return hops;
    };
    // Consecutive releases mostly share their routes: the result of the last one is reused when equal.
    let last: { groups: Group[]; result: PathResult } | undefined;
    for (let j = 0; j < n; j += 1) {
      const format = formats[j];
      groups.push([]);
      if (format === undefined) {
        results.push(NO_PATH_PROBLEM);
        continue;
      }
      const inst = this.installersOf(format);
      const base = j * W;
      let missing = 0;
      for (let w = 0; w < W; w += 1) {
        const direct = (this.accepts[base + w] ?? 0) & (inst[w] ?? 0) & (present[w] ?? 0);
        into[base + w] = direct;
        reach[base + w] = direct;
        below[w] = (present[w] ?? 0) & (this.earlier[base + w] ?? 0);
        missing |= (below[w] ?? 0) & ~direct;
      }
      if (missing === 0) {
        results.push(NO_PATH_PROBLEM);
        continue;
      }
      const mine: Group[] = [];
      for (let wy = 0; wy < W && missing !== 0; wy += 1) {
        let candidates = into[base + wy] ?? 0;
        while (candidates !== 0 && missing !== 0) {
          const low = candidates & -candidates;
          candidates = (candidates ^ low) >>> 0;
          const y = wy * 32 + 31 - Math.clz32(low);
          // Versions that reach y and are not yet known to reach j.
          let any = 0;
          for (let w = 0; w < W; w += 1) {
            const f = (reach[y * W + w] ?? 0) & ~(reach[base + w] ?? 0);
            fresh[w] = f;
            any |= f;
          }
          if (any === 0) continue;
          this.addGroup(mine, fresh, into, y * W, hopsOf(y, null));
          for (const g of groups[y] ?? []) this.addGroup(mine, fresh, g.bits, 0, hopsOf(y, g.hops));
          missing = 0;
          for (let w = 0; w < W; w += 1) {
            const r = ((reach[base + w] ?? 0) | (fresh[w] ?? 0)) >>> 0;
            reach[base + w] = r;
            missing |= (below[w] ?? 0) & ~r;
          }
        }
      }
      const stranded: number[] = [];
      for (let w = 0; w < W; w += 1) forEachBit(((below[w] ?? 0) & ~(reach[base + w] ?? 0)) >>> 0, w, (i) => stranded.push(i));
      if (stranded.length === 0 && last !== undefined && sameGroups(last.groups, mine, W)) {
        groups[j] = last.groups;
        results.push(last.result);
        continue;
      }
      groups[j] = mine;
      const result =
        stranded.length === 0 && mine.length === 0 ? NO_PATH_PROBLEM : { stranded, routes: mine.map((g) => spansOf(g, rank, W)) };
      if (stranded.length === 0 && mine.length > 0) last = { groups: mine, result };
      results.push(result);
    }
    return results;
  }

  /** The part of `fresh` inside `within` (from `offset`) takes the route `hops`. */
  private addGroup(out: Group[], fresh: Uint32Array, within: Uint32Array, offset: number, hops: Hops): void {
    let bits: Uint32Array | undefined;
    for (let w = 0; w < this.words; w += 1) {
      const b = (fresh[w] ?? 0) & (within[offset + w] ?? 0);
      if (b === 0) continue;
      bits ??= new Uint32Array(this.words);
      bits[w] = b;
    }
    if (bits !== undefined) out.push({ bits, hops });
  }
}

function sameGroups(a: readonly Group[], b: readonly Group[], W: number): boolean {
  if (a.length !== b.length) return false;
  for (let g = 0; g < a.length; g += 1) {
    const x = a[g];
    const y = b[g];
    if (x === undefined || y === undefined || x.hops !== y.hops) return false;
    for (let w = 0; w < W; w += 1) if (x.bits[w] !== y.bits[w]) return false;
  }
  return true;
}

function setBit(array: Uint32Array, offset: number, bit: number): void {
  const index = offset + (bit >>> 5);
  array[index] = ((array[index] ?? 0) | (1 << (bit & 31))) >>> 0;
}

function forEachBit(word: number, w: number, visit: (index: number) => void): void {
  let rest = word;
  while (rest !== 0) {
    const low = rest & -rest;
    visit(w * 32 + 31 - Math.clz32(low));
    rest = (rest ^ low) >>> 0;
  }
}

/** A group's versions as runs of consecutive releases of the model (gaps in other releases do not cut a run). */
function spansOf(group: Group, rank: Int32Array, W: number): Route {
  const spans: [number, number][] = [];
  let count = 0;
  let first = -1;
  let last = -1;
  for (let w = 0; w < W; w += 1) {
    forEachBit(group.bits[w] ?? 0, w, (i) => {
      count += 1;
      if (last >= 0 && (rank[i] ?? 0) === (rank[last] ?? 0) + 1) {
        last = i;
        return;
      }
      if (first >= 0) spans.push([first, last]);
      first = i;
      last = i;
    });
  }
  if (first >= 0) spans.push([first, last]);
  return { spans, count, via: group.hops };
}
