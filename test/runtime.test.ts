import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Which Node runs the suite (issue 10, "a supported runtime"). CI runs it twice: on a supported LTS
// from `.ci/lts-node` and on the machine's Node, and says which it expects in FWKIT_EXPECT_NODE, so
// a PATH that silently fell back to another Node fails here instead of passing on the wrong one.

const expected = process.env['FWKIT_EXPECT_NODE'];
const major = (version: string): string => version.replace(/^v/, '').split('.')[0] ?? '';

describe('the Node running the suite', () => {
  it('is the one CI asked for, in this process and in the `node` that scripts and children start', () => {
    const fromPath = execFileSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    console.info(`fwkit: tests run on Node ${process.version} (node on PATH: ${fromPath}, expected: ${expected ?? 'any'})`);
    expect(major(fromPath)).toBe(major(process.version));
    if (expected !== undefined) expect(major(process.version)).toBe(expected);
  });

  it('satisfies the engines field the packages declare', () => {
    const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines.node);
    expect(floor, `engines.node is a plain floor: ${engines.node}`).not.toBeNull();
    const [, floorMajor, floorMinor] = floor ?? [];
    const [runMajor = 0, runMinor = 0] = process.versions.node.split('.').map(Number);
    expect(runMajor > Number(floorMajor) || (runMajor === Number(floorMajor) && runMinor >= Number(floorMinor))).toBe(true);
  });
});
