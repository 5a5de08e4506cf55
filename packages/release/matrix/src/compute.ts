import { compareVersions, isIsoDay } from '@fwkit/device-core';
import {
  addDays,
  LineOrder,
  lastDayOfSupport,
  lineModels,
  lineOf,
  lineOrderMessage,
  lineOrderProblem,
  retiredFrom,
  supportStatusOn,
  type EarlyEnd,
  type FirmwareRuntime,
  type LedgerImage,
  type LedgerRelease,
  type ProductManifest,
  type SupportStatus,
} from '@fwkit/release-core';
import { ModelDeviceChecks } from './model-checks.js';
import { MatrixError } from './errors.js';
import { NO_REASONS, matrixReason, versionList } from './reasons.js';
import { supportHistories, type SupportHistory } from './support.js';
import type { Matrix, MatrixCell, MatrixInput, MatrixJson, MatrixModel, MatrixReason, MatrixRelease, Verdict } from './types.js';
import { NO_PATH_PROBLEM, UpgradeGraph, hopList, type Hops, type PathResult, type Route } from './upgrade.js';

function verdictOf(reasons: readonly MatrixReason[]): Verdict {
  let warning = false;
  for (const r of reasons) {
    if (r.severity === 'error') return 'fail';
    if (r.severity === 'warning') warning = true;
  }
  return warning ? 'warn' : 'pass';
}

/** A matrix row before its cells: from a product manifest, or from the ledger alone when the manifest is gone. */
interface Row {
  readonly model: MatrixModel;
  /** Support status on any day: each cell is judged on its release's day, not on the matrix date. */
  readonly statusOn: (day: string) => SupportStatus;
  readonly checks?: ModelDeviceChecks;
}

function productRow(product: ProductManifest, history: SupportHistory | undefined, date: string, input: MatrixInput): Row {
  const lifecycle = product.lifecycle;
  const reasons: MatrixReason[] = [];
  const promised = history?.promised;
  if (promised !== undefined && lifecycle.endOfSupport < promised.lastDay) {
    reasons.push(
      matrixReason(
        'SUPPORT_SHORTENED',
        'error',
        `${product.id}: product.json ends support on ${lifecycle.endOfSupport}, before ${promised.lastDay} as published on ${promised.published}; ` +
          'a published support period is never shortened: restore endOfSupport and record an early end (lifecycle.endedEarly with lastDay, recorded, reason)',
        { model: product.id, endOfSupport: lifecycle.endOfSupport, promised: promised.lastDay, published: promised.published },
      ),
    );
  }
  const model: MatrixModel = {
    id: product.id,
    name: product.name,
    status: supportStatusOn(lifecycle, date),
    lastDay: lastDayOfSupport(lifecycle),
    retiredFrom: retiredFrom(lifecycle),
    released: lifecycle.released,
    endOfSupport: lifecycle.endOfSupport,
    ...(lifecycle.endedEarly === undefined ? {} : { endedEarly: lifecycle.endedEarly }),
    reasons: reasons.length === 0 ? NO_REASONS : reasons,
  };
  // Past images of a model retired since are checked too: their cells keep their history.
  return { model, statusOn: (day) => supportStatusOn(lifecycle, day), checks: new ModelDeviceChecks(product, input.platform) };
}

/**
 * A model that has images or support records in the ledger but no product manifest: deleting
 * product.json must not drop a supported model silently. Its support is what the ledger last said.
 */
function ledgerOnlyRow(id: string, releases: readonly LedgerRelease[], history: SupportHistory | undefined, date: string): Row {
  const firstImage = releases.find((r) => r.images.some((i) => i.model === id));
  const latest = history?.latest;
  const released = firstImage?.date ?? latest?.published ?? date;
  const lastDay = latest?.lastDay ?? '';
  // The same rule as a product's (supportStatusOn); without any record there is no end to hold on
  // to: treat it as supported rather than drop it.
  const statusOn = (day: string): SupportStatus =>
    lastDay === '' ? (day < released ? 'upcoming' : 'supported') : supportStatusOn({ released, endOfSupport: lastDay }, day);
  const status = statusOn(date);
  const endedEarly: EarlyEnd | undefined =
    latest?.kind === 'ended-early' ? { lastDay: latest.lastDay, recorded: latest.published, reason: latest.reason ?? '' } : undefined;
  const reasons =
    status === 'supported'
      ? [
          matrixReason(
            'MODEL_MISSING',
            'error',
            `${id}: in the field${lastDay === '' ? ' with no recorded end of support' : ` and supported until ${lastDay}`}, but no product manifest declares it; ` +
              `restore products/${id}/product.json (to end support early, record lifecycle.endedEarly there)`,
            { model: id, lastDay, manifest: 'missing' },
          ),
        ]
      : NO_REASONS;
  return {
    statusOn,
    model: {
      id,
      name: id,
      status,
      lastDay,
      retiredFrom: lastDay === '' ? '' : addDays(lastDay, 1),
      released,
      endOfSupport: history?.promised?.lastDay ?? lastDay,
      ...(endedEarly === undefined ? {} : { endedEarly }),
      reasons,
    },
  };
}

function supportEnded(model: MatrixModel): MatrixReason {
  const early = model.endedEarly;
  const how =
    early === undefined
      ? ''
      : ` (ended early, recorded ${early.recorded}: ${early.reason}; the published end of support was ${model.endOfSupport})`;
  return matrixReason('SUPPORT_ENDED', 'info', `${model.id}: supported until ${model.lastDay}, retired since ${model.retiredFrom}${how}`, {
    model: model.id,
    lastDay: model.lastDay,
    retiredFrom: model.retiredFrom,
    endOfSupport: model.endOfSupport,
    ...(early === undefined ? {} : { endedEarly: { lastDay: early.lastDay, recorded: early.recorded, reason: early.reason } }),
  });
}

/**
 * A release without an image of a model that was supported on the day the cell is judged: missing,
 * unless the release is of a maintenance line that does not serve the model.
 */
function missingCell(model: MatrixModel, release: LedgerRelease, candidate: boolean, served: ReadonlySet<string> | undefined): MatrixCell {
  const id = model.id;
  if (served !== undefined && !served.has(id)) {
    const line = lineOf(release.firmware);
    const reason = matrixReason(
      'NOT_ON_LINE',
      'info',
      `${id}: not served by maintenance line ${line} (no image in its release before ${release.firmware})`,
      {
        model: id,
        firmware: release.firmware,
        line,
      },
    );
    return { model: id, firmware: release.firmware, verdict: 'not-released', reasons: [reason] };
  }
  const reason = matrixReason(
    'MODEL_MISSING',
    'error',
    candidate
      ? `${id} (supported until ${model.lastDay}) has no image in ${release.firmware} (candidate): the release would drop a supported model`
      : `${id} (released ${model.released}) has no image in ${release.firmware} of ${release.date}`,
    { model: id, firmware: release.firmware, released: model.released, lastDay: model.lastDay, candidate },
  );
  return { model: id, firmware: release.firmware, verdict: 'fail', reasons: [reason] };
}

function strandedReason(
  id: string,
  release: LedgerRelease,
  j: number,
  image: LedgerImage,
  strandedAt: readonly number[],
  graph: UpgradeGraph,
  firmware: (i: number) => string,
): MatrixReason {
  const stranded = strandedAt.map(firmware);
  // The newest stranded version is the one a fix must reach first; say why it cannot go directly.
  const why = graph.whyNoDirect(strandedAt[strandedAt.length - 1] ?? 0, j, image.formatVersion);
  return matrixReason(
    'UPGRADE_PATH_MISSING',
    'error',
    `${id}: no upgrade path to ${release.firmware} from ${versionList(stranded)} (${why.join('; ') || 'no direct upgrade'}, and no release in between leads there); ` +
      'release a stepping stone that accepts them and that this release accepts',
    { model: id, firmware: release.firmware, stranded, upgradeFrom: release.upgradeFrom, why },
  );
}

/** Texts and lists of routes, shared by every cell that takes them (routes share their hops). */
class RouteTexts {
  private readonly hops = new Map<Hops, { readonly text: string; readonly list: readonly string[] }>();
  private readonly spans = new Map<number, { readonly text: string; readonly pair: readonly string[] }>();

  constructor(private readonly all: readonly LedgerRelease[]) {}

  private firmware(i: number): string {
    return this.all[i]?.firmware ?? '?';
  }

  via(hops: Hops): { readonly text: string; readonly list: readonly string[] } {
    let known = this.hops.get(hops);
    if (known === undefined) {
      const indexes = hopList(hops);
      const text = indexes
        .map((i) => (this.all[i]?.steppingStone === true ? `${this.firmware(i)} (stepping stone)` : this.firmware(i)))
        .join(' → ');
      known = { text, list: Object.freeze(indexes.map((i) => this.firmware(i))) };
      this.hops.set(hops, known);
    }
    return known;
  }

  span(first: number, last: number): { readonly text: string; readonly pair: readonly string[] } {
    const key = first * this.all.length + last;
    let known = this.spans.get(key);
    if (known === undefined) {
      const a = this.firmware(first);
      const b = this.firmware(last);
      known = { text: first === last ? a : `${a} … ${b}`, pair: Object.freeze([a, b]) };
      this.spans.set(key, known);
    }
    return known;
  }

  /** Names the model but not the release: a row's cells with the same routes share the reason. */
  reason(id: string, routes: readonly Route[]): MatrixReason {
    let text = '';
    const json: MatrixJson[] = [];
    for (const route of routes) {
      const via = this.via(route.via);
      const spans = route.spans.map(([a, b]) => this.span(a, b));
      const shown =
        spans.length > 4
          ? `${spans
              .slice(0, 3)
              .map((s) => s.text)
              .join(', ')}, …`
          : spans.map((s) => s.text).join(', ');
      const versions = route.count > route.spans.length ? ` (${route.count} versions)` : '';
      text += `${text === '' ? '' : '; '}devices on ${shown}${versions} upgrade via ${via.text}`;
      json.push({ from: spans.map((s) => s.pair), versions: route.count, via: via.list });
    }
    return matrixReason('UPGRADE_VIA', 'info', `${id}: ${text}`, { model: id, routes: json });
  }
}

/**
 * Candidate column: the firmware runtime is past its upstream end of life while the model is
 * supported. It still runs, so a warning, not a failure; its fixes stop, so every supported
 * model's cell says so until platform.json moves to a supported line.
 */
function runtimeEndOfLife(model: MatrixModel, runtime: FirmwareRuntime, date: string): MatrixReason {
  return matrixReason(
    'RUNTIME_END_OF_LIFE',
    'warning',
    `${model.id} (supported until ${model.lastDay}) would run the firmware on ${runtime.name} ${runtime.version}, ` +
      `past its end of life (${runtime.endOfLife}, before ${date}): move platform.json "runtime" to a supported line`,
    { model: model.id, runtime: runtime.name, version: runtime.version, endOfLife: runtime.endOfLife, date },
  );
}

/**
 * The compatibility matrix: every model × every release in the ledger (and the candidate), with a
 * verdict and every reason per cell. Pure: support status is judged on `input.date`.
 */
export function computeMatrix(input: MatrixInput): Matrix {
  const { ledger, candidate, date } = input;
  if (!isIsoDay(date)) throw new MatrixError('MATRIX_DATE_INVALID', `matrix date "${date}" is not a day YYYY-MM-DD`, { details: { date } });
  const problem = candidate === undefined ? undefined : lineOrderProblem(ledger.releases, candidate.firmware);
  if (candidate !== undefined && problem !== undefined) {
    throw new MatrixError('MATRIX_CANDIDATE_NOT_NEWER', `candidate: ${lineOrderMessage(problem)}`, {
      details: { candidate: candidate.firmware, problem: problem.kind },
    });
  }
  const seen = new Set<string>();
  for (const product of input.products) {
    if (seen.has(product.id)) {
      throw new MatrixError('MATRIX_MODEL_DUPLICATE', `two products declare model ${product.id}`, { details: { model: product.id } });
    }
    seen.add(product.id);
  }

  // Columns in version order, so that each line's releases sit together; `sequence` is the ledger
  // order (time order; the candidate last), which decides what a release could know of the others.
  const inLedgerOrder: readonly LedgerRelease[] = candidate === undefined ? ledger.releases : [...ledger.releases, candidate];
  const sequenceOf = new Map(inLedgerOrder.map((r, seq) => [r, seq]));
  const all = [...inLedgerOrder].sort((a, b) => compareVersions(a.firmware, b.firmware));
  const sequence = all.map((r) => sequenceOf.get(r) ?? 0);
  const order = new LineOrder();
  const maintenanceAt = new Map<LedgerRelease, boolean>();
  for (const r of inLedgerOrder) {
    maintenanceAt.set(r, order.isMaintenance(r.firmware));
    order.add(r.firmware);
  }
  const releases: MatrixRelease[] = all.map((r) => ({
    firmware: r.firmware,
    line: lineOf(r.firmware),
    maintenance: maintenanceAt.get(r) === true,
    platform: r.platform,
    security: r.security,
    date: r.date,
    upgradeFrom: r.upgradeFrom,
    candidate: candidate !== undefined && r === candidate,
    steppingStone: r.steppingStone,
  }));

  // The devices that may install release j run a lower version released before it; the highest
  // security version among those releases, and which release set it. A later release of an older
  // line (a maintenance fix) raises the floor of every newer line's next release.
  const securityFloor = all.map((_, j) => {
    let floor: { security: number; firmware: string } | undefined;
    for (let i = 0; i < j; i += 1) {
      const r = all[i];
      if (r !== undefined && (sequence[i] ?? 0) < (sequence[j] ?? 0) && (floor === undefined || r.security > floor.security)) {
        floor = { security: r.security, firmware: r.firmware };
      }
    }
    return floor;
  });

  const graph = new UpgradeGraph(all.map((r, j) => ({ ...r, sequence: sequence[j] ?? 0 })));
  // The models each maintenance release's line served before it (ledger order).
  const servedBy = new Map<LedgerRelease, ReadonlySet<string>>();
  inLedgerOrder.forEach((r, seq) => {
    if (maintenanceAt.get(r) === true) servedBy.set(r, lineModels(inLedgerOrder.slice(0, seq), lineOf(r.firmware)));
  });
  const histories = supportHistories(ledger.support);
  const rows: Row[] = [...input.products]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => productRow(p, histories.get(p.id), date, input));
  const ledgerOnly = new Set<string>([...histories.keys(), ...ledger.releases.flatMap((r) => r.images.map((i) => i.model))]);
  for (const id of [...ledgerOnly].filter((m) => !seen.has(m)).sort())
    rows.push(ledgerOnlyRow(id, ledger.releases, histories.get(id), date));

  // One pass over the ledger in its own order (release by release: the images of a release sit
  // together in memory, a model's images across releases do not): each model's images, and the
  // device rules for each image of a supported model.
  const rowOf = new Map(rows.map((r, i) => [r.model.id, i]));
  const imagesOf: (LedgerImage | undefined)[][] = rows.map(() => new Array<LedgerImage | undefined>(all.length).fill(undefined));
  const deviceReasons: (readonly MatrixReason[])[][] = rows.map(() => new Array<readonly MatrixReason[]>(all.length).fill(NO_REASONS));
  all.forEach((release, j) => {
    for (const image of release.images) {
      const i = rowOf.get(image.model);
      if (i === undefined) continue;
      const row = rows[i];
      const images = imagesOf[i];
      const reasons = deviceReasons[i];
      if (row === undefined || images === undefined || reasons === undefined) continue;
      images[j] = image;
      if (row.checks !== undefined) reasons[j] = row.checks.check(image, release);
    }
  });

  // The candidate's firmware runtime, when its upstream support ended before the matrix date.
  const runtime = input.platform.runtime;
  const runtimePast = runtime !== undefined && runtime.endOfLife < date ? runtime : undefined;

  // Models that appear in the same releases with the same formats share their upgrade paths.
  const pathMemo = new Map<string, PathResult[]>();
  const firmware = (i: number): string => all[i]?.firmware ?? '?';
  const routeTexts = new RouteTexts(all);

  const cells = rows.map(({ model, statusOn, checks }, i): MatrixCell[] => {
    const id = model.id;
    const images = imagesOf[i] ?? [];
    const devices = deviceReasons[i] ?? [];
    let ended: readonly MatrixReason[] | undefined;
    const formats = images.map((image) => image?.formatVersion);
    const pathKey = formats.map((f) => (f === undefined ? '-' : String(f))).join(',');
    let paths = pathMemo.get(pathKey);
    if (paths === undefined) {
      paths = graph.paths(formats);
      pathMemo.set(pathKey, paths);
    }
    const row: MatrixCell[] = [];
    let via: { path: PathResult; reason: MatrixReason } | undefined;
    for (let j = 0; j < all.length; j += 1) {
      const release = all[j];
      const column = releases[j];
      if (release === undefined || column === undefined) continue;
      const image = images[j];
      if (image === undefined) {
        // Judged on the release's own day (the candidate's is the matrix date): a past release
        // keeps what it was, and retirement greys only the cells from its first day on.
        const status = statusOn(column.candidate ? date : release.date);
        if (status === 'supported') row.push(missingCell(model, release, column.candidate, servedBy.get(release)));
        else if (status === 'upcoming') row.push({ model: id, firmware: release.firmware, verdict: 'not-released', reasons: NO_REASONS });
        else
          row.push({
            model: id,
            firmware: release.firmware,
            verdict: 'retired',
            reasons: (ended ??= Object.freeze([supportEnded(model)])),
          });
        continue;
      }
      let reasons: readonly MatrixReason[] = devices[j] ?? NO_REASONS;
      let extra: MatrixReason[] | undefined;
      if (column.candidate && checks !== undefined) {
        const deprecated = checks.deprecations(image, release.platform);
        if (deprecated.length > 0) (extra ??= []).push(...deprecated);
        if (runtimePast !== undefined && statusOn(date) === 'supported') (extra ??= []).push(runtimeEndOfLife(model, runtimePast, date));
      }
      const floor = securityFloor[j];
      if (floor !== undefined && release.security < floor.security) {
        (extra ??= []).push(
          matrixReason(
            'SECURITY_VERSION_DECREASED',
            'error',
            `${id}: ${release.firmware} has security version ${release.security}, below ${floor.security} of ${floor.firmware}; ` +
              `devices that installed ${floor.firmware} refuse it (rollback protection)`,
            { model: id, firmware: release.firmware, security: release.security, highest: floor.security, highestIn: floor.firmware },
          ),
        );
      }
      const path = paths[j] ?? NO_PATH_PROBLEM;
      if (path !== NO_PATH_PROBLEM) {
        if (path.stranded.length > 0) (extra ??= []).push(strandedReason(id, release, j, image, path.stranded, graph, firmware));
        if (path.routes.length > 0) {
          if (via?.path !== path) via = { path, reason: routeTexts.reason(id, path.routes) };
          (extra ??= []).push(via.reason);
        }
      }
      if (extra !== undefined) reasons = reasons.length === 0 ? extra : [...reasons, ...extra];
      row.push({
        model: id,
        firmware: release.firmware,
        verdict: reasons.length === 0 ? 'pass' : verdictOf(reasons),
        reasons,
        manifestSha256: image.manifestSha256,
      });
    }
    return row;
  });

  return { date, models: rows.map((r) => r.model), releases, cells };
}
