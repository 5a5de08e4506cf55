import { parseJson } from '@fwkit/device-core';

/**
 * Pure judgement of the firmware's answers: the protocol domain's `/api/device` and
 * `/api/health` bodies are untrusted bytes from the trial slot, checked once here and turned
 * into typed values or a reason. No I/O (the probe in launch.ts fetches).
 */

/** What `/api/device` must say: the build-time model and firmware version of the running bundles. */
export interface DeviceAnswer {
  readonly model: string;
  readonly firmware: string;
}

/** The live part of a core health report that the verdict carries. */
export interface CoreSample {
  readonly seq: number;
  readonly uptimeMs: number;
  readonly framesProduced: number;
  readonly framesDropped: number;
  readonly fps: number;
  readonly compressedFrames: number;
  readonly rssBytes: number;
}

export type Judged<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Quotes a firmware-supplied string for a reason, bounded: the trial slot's text never grows a record. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

function parse(body: string): unknown {
  try {
    return parseJson(body);
  } catch {
    return undefined;
  }
}

/** `/api/device`: its model and firmware must be the signed manifest's (wrong-model or mix-and-match slot). */
export function judgeDevice(body: string, expect: { readonly model: string; readonly version: string }): Judged<DeviceAnswer> {
  const doc = record(parse(body));
  const model = text(doc?.model);
  const firmware = text(doc?.firmware);
  if (model === undefined || firmware === undefined) return fail('/api/device did not answer a device document (model, firmware)');
  if (model !== expect.model) return fail(`the firmware says model ${quote(model)}, the signed manifest ${quote(expect.model)}`);
  if (firmware !== expect.version) {
    return fail(`the firmware says version ${quote(firmware)}, the signed manifest ${quote(expect.version)}`);
  }
  return { ok: true, value: { model, firmware } };
}

/** The core's report from an `/api/health` body with status 200; undefined while there is none. */
export function coreSample(body: string): CoreSample | undefined {
  const core = record(record(parse(body))?.core);
  const frames = record(core?.frames);
  const sample = {
    seq: count(core?.seq),
    uptimeMs: count(core?.uptimeMs),
    framesProduced: count(frames?.produced),
    framesDropped: count(frames?.dropped),
    fps: count(frames?.fps),
    compressedFrames: count(record(core?.compression)?.frames),
    rssBytes: count(record(core?.memory)?.rssBytes),
  };
  for (const value of Object.values(sample)) if (value === undefined) return undefined;
  return sample as CoreSample;
}

/**
 * Two reports in a row: the core is alive only if a newer report shows more frames produced. A
 * frozen pipeline behind a protocol domain that still answers (stale counters) is not healthy.
 */
export function judgeLive(first: CoreSample, later: CoreSample): Judged<CoreSample> | undefined {
  if (later.seq <= first.seq) return undefined; // the same report again: wait for the next one
  if (later.framesProduced <= first.framesProduced) {
    return fail(`core counters are not live: frames produced stayed at ${first.framesProduced} from report ${first.seq} to ${later.seq}`);
  }
  return { ok: true, value: later };
}

/** The verdict's counters, flat and numeric. */
export function countersOf(sample: CoreSample): Readonly<Record<string, number>> {
  return Object.freeze({ ...sample });
}
