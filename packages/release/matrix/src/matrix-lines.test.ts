import { describe, expect, it } from 'vitest';
import {
  computeMatrix,
  gateFailures,
  readMatrixReport,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  matrixToJSON,
} from './index.js';
import { cell, codes, ledger, legacy, ptz, P14, release } from './matrix.test-support.js';

// The worked example of docs/decisions.md ("The version model"): 1.4.1 → 1.5.0 → 1.4.2 (a security
// fix on the 1.4 line) → 1.5.1. The ledger holds them in time order; the matrix shows them in
// version order, each line's releases together.
const products = [legacy, ptz];
const r141 = release({ firmware: '1.4.1', date: '2026-01-10', products, security: 3 });
const r150 = release({ firmware: '1.5.0', date: '2026-03-02', products, security: 4, upgradeFrom: '>=1.4.0' });
// The fix: security version 5 on the 1.4 line, for the models 1.4.1 served.
const r142 = release({ firmware: '1.4.2', date: '2026-04-14', products, security: 5, upgradeFrom: '>=1.4.0 <1.5.0' });
const field = ledger([r141, r150, r142]);
const DAY = '2026-05-01';

function withCandidate(security: number) {
  const candidate = release({ firmware: '1.5.1', date: DAY, products, security, upgradeFrom: '>=1.4.0' });
  return computeMatrix({ products, platform: P14.manifest, ledger: field, candidate, date: DAY });
}

describe('release lines in the matrix', () => {
  it('shows the columns in version order with their line, the maintenance release marked', () => {
    const matrix = withCandidate(5);
    expect(matrix.releases.map((r) => [r.firmware, r.line, r.maintenance, r.candidate])).toEqual([
      ['1.4.1', '1.4', false, false],
      ['1.4.2', '1.4', true, false],
      ['1.5.0', '1.5', false, false],
      ['1.5.1', '1.5', false, true],
    ]);
  });

  it('refuses 1.5.1 below the security version of 1.4.2: its devices could never move up', () => {
    const matrix = withCandidate(4);
    const c = cell(matrix, 'ptz-4k', '1.5.1');
    expect(codes(c)).toEqual(expect.arrayContaining(['SECURITY_VERSION_DECREASED', 'UPGRADE_PATH_MISSING']));
    const stranded = c.reasons.find((r) => r.code === 'UPGRADE_PATH_MISSING');
    expect(stranded?.details['stranded']).toEqual(['1.4.2']);
    expect(stranded?.message).toContain('the security version would go down from 5 to 4');
    expect(gateFailures(matrix).map((r) => r.code)).toContain('SECURITY_VERSION_DECREASED');
  });

  it('passes 1.5.1 at security version 5: 1.4.2 upgrades to it directly', () => {
    const matrix = withCandidate(5);
    expect(gateFailures(matrix)).toEqual([]);
    expect(cell(matrix, 'ptz-4k', '1.5.1').verdict).toBe('pass');
    expect(cell(matrix, 'legacy-fixed-1080', '1.5.1').verdict).toBe('pass');
  });

  it('keeps the past: 1.4.2 came after 1.5.0, so 1.5.0 did not have to bring it forward', () => {
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: field, date: DAY });
    expect(cell(matrix, 'ptz-4k', '1.5.0').verdict).toBe('pass');
    // 1.4.2's own floor is what the 1.4 line had before it (3), not 1.5.0's 4.
    expect(cell(matrix, 'ptz-4k', '1.4.2').verdict).toBe('pass');
  });

  it('a maintenance release at a lower security version than the newer line is fine for its own devices', () => {
    const quiet = release({ firmware: '1.4.2', date: '2026-04-14', products, security: 3, upgradeFrom: '>=1.4.0 <1.5.0' });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([r141, r150]), candidate: quiet, date: DAY });
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('a maintenance line serves the models of its last release; the others are not on it', () => {
    const only141 = release({ firmware: '1.4.1', date: '2026-01-10', products: [legacy], security: 3 });
    const fix = release({ firmware: '1.4.2', date: '2026-04-14', products: [legacy], security: 5, upgradeFrom: '>=1.4.0 <1.5.0' });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([only141, r150]), candidate: fix, date: DAY });
    expect(gateFailures(matrix)).toEqual([]);
    const other = cell(matrix, 'ptz-4k', '1.4.2');
    expect(other.verdict).toBe('not-released');
    expect(codes(other)).toEqual(['NOT_ON_LINE']);
    // On the main line the same absence is a dropped model.
    const dropped = release({ firmware: '1.5.1', date: DAY, products: [legacy], security: 4, upgradeFrom: '>=1.4.0' });
    const main = computeMatrix({ products, platform: P14.manifest, ledger: ledger([only141, r150]), candidate: dropped, date: DAY });
    expect(codes(cell(main, 'ptz-4k', '1.5.1'))).toEqual(['MODEL_MISSING']);
  });

  it('refuses a candidate that breaks the line order, with the rule in its message', () => {
    const below = release({ firmware: '1.3.0', date: DAY, products });
    expect(() => computeMatrix({ products, platform: P14.manifest, ledger: field, candidate: below, date: DAY })).toThrow(
      /opens above every line/,
    );
    const stale = release({ firmware: '1.4.2', date: DAY, products });
    expect(() => computeMatrix({ products, platform: P14.manifest, ledger: field, candidate: stale, date: DAY })).toThrow(
      /released already/,
    );
    const older = release({ firmware: '1.4.1', date: DAY, products });
    expect(() => computeMatrix({ products, platform: P14.manifest, ledger: ledger([r141, r150]), candidate: older, date: DAY })).toThrow(
      /released already/,
    );
  });
});

describe('release lines in the rendered matrix', () => {
  it('marks the maintenance release in text, markdown and HTML', () => {
    const matrix = withCandidate(5);
    const text = renderMatrixText(matrix);
    expect(text).toMatch(/1\.4\.1\s+1\.4\.2~\s+1\.5\.0\s+1\.5\.1\*/);
    expect(text).toContain('~ maintenance release');
    expect(renderMatrixMarkdown(matrix)).toContain('1.4.2 (maintenance 1.4)');
    expect(readMatrixReport(renderMatrixHtml(matrix)).releases.map((r) => `${r.firmware} ${r.tags}`)).toEqual([
      '1.5.1 candidate',
      '1.5.0 ',
      '1.4.2 maintenance 1.4',
      '1.4.1 ',
    ]);
    expect(matrixToJSON(matrix).releases[1]).toMatchObject({ firmware: '1.4.2', line: '1.4', maintenance: true });
  });
});
