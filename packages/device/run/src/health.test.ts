import { describe, expect, it } from 'vitest';
import { coreSample, judgeDevice, judgeLive, type CoreSample } from './health.js';
import { LineSplitter, MAX_LINE_CHARS, Tail } from './output.js';

const expected = { model: 'ptz-4k', version: '1.4.0' };

const report = (seq: number, produced: number) =>
  JSON.stringify({
    status: 'ok',
    core: {
      seq,
      uptimeMs: seq * 1000,
      frames: { produced, dropped: 1, fps: 30 },
      compression: { frames: produced },
      memory: { rssBytes: 123 },
    },
  });

describe('judgeDevice', () => {
  it('accepts the signed model and version', () => {
    expect(judgeDevice(JSON.stringify({ model: 'ptz-4k', firmware: '1.4.0', name: 'x' }), expected)).toEqual({
      ok: true,
      value: { model: 'ptz-4k', firmware: '1.4.0' },
    });
  });

  it.each([
    ['another version', { model: 'ptz-4k', firmware: '1.3.0' }, 'version "1.3.0"'],
    ['another model', { model: 'thermal-t640', firmware: '1.4.0' }, 'model "thermal-t640"'],
    ['no firmware', { model: 'ptz-4k' }, 'device document'],
    ['a number for a model', { model: 4, firmware: '1.4.0' }, 'device document'],
  ])('refuses %s', (_, doc, reason) => {
    const judged = judgeDevice(JSON.stringify(doc), expected);
    expect(judged.ok).toBe(false);
    if (!judged.ok) expect(judged.reason).toContain(reason);
  });

  it('refuses bodies that are not strict JSON objects (duplicate keys included), and bounds quoted text', () => {
    for (const body of ['', 'null', '[]', '{"model":"ptz-4k","model":"x","firmware":"1.4.0"}', 'not json']) {
      expect(judgeDevice(body, expected).ok).toBe(false);
    }
    const judged = judgeDevice(JSON.stringify({ model: 'm'.repeat(128), firmware: '1.4.0' }), expected);
    if (!judged.ok) expect(judged.reason.length).toBeLessThan(200);
  });
});

describe('coreSample and judgeLive', () => {
  const sample = (seq: number, produced: number): CoreSample => {
    const s = coreSample(report(seq, produced));
    if (s === undefined) throw new Error('no sample');
    return s;
  };

  it('reads the live counters of a report', () => {
    expect(sample(3, 90)).toEqual({
      seq: 3,
      uptimeMs: 3000,
      framesProduced: 90,
      framesDropped: 1,
      fps: 30,
      compressedFrames: 90,
      rssBytes: 123,
    });
  });

  it('has no sample without a core report or with a malformed one', () => {
    expect(coreSample(JSON.stringify({ status: 'starting', core: null }))).toBeUndefined();
    expect(coreSample(report(1, -1))).toBeUndefined();
    expect(coreSample('{')).toBeUndefined();
  });

  it('waits for a newer report, then wants more frames', () => {
    expect(judgeLive(sample(1, 30), sample(1, 30))).toBeUndefined();
    expect(judgeLive(sample(1, 30), sample(2, 60))).toMatchObject({ ok: true });
    const frozen = judgeLive(sample(1, 30), sample(2, 30));
    expect(frozen?.ok).toBe(false);
  });
});

describe('the firmware output readers', () => {
  it('splits lines across chunks and cuts over-long ones', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('proto');
    splitter.push('col: a\r\nb\n');
    splitter.push('x'.repeat(MAX_LINE_CHARS * 3));
    splitter.push('y\nlast');
    splitter.end();
    expect(lines.slice(0, 2)).toEqual(['protocol: a', 'b']);
    expect(lines[2]?.length).toBe(MAX_LINE_CHARS + 1);
    expect(lines[3]).toBe('last');
  });

  it('keeps the last stderr lines only, printable and bounded', () => {
    const tail = new Tail(2);
    for (const line of ['one', '', 'two\u0007', 'three'.repeat(100)]) tail.add(line);
    expect(tail.text().split('\n')).toHaveLength(2);
    expect(tail.text()).toContain('two?');
    expect(tail.text().length).toBeLessThan(300);
  });
});
