import { lstat, mkdtemp, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKOUT_ENTRIES, copyCheckout, REPO_ROOT } from './index.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('copyCheckout', () => {
  it('copies the entries and gives the copy a node_modules of its own whose workspace links resolve inside it', async () => {
    const base = await mkdtemp(join(tmpdir(), 'fwkit-copy-checkout-'));
    temps.push(base);
    const root = await copyCheckout(join(base, 'some', 'where'));
    expect((await readdir(root)).sort()).toEqual([...new Set([...CHECKOUT_ENTRIES.map((e) => e.split('/')[0]), 'node_modules'])].sort());
    // node_modules is a real directory, not a link out of the copy.
    expect((await lstat(join(root, 'node_modules'))).isDirectory()).toBe(true);
    // The workspace link is recreated as it is, and lands in the copy's packages/device/json (dist included).
    const json = join(root, 'node_modules', '@fwkit', 'device-json');
    expect(await readlink(json)).toBe(await readlink(join(REPO_ROOT, 'node_modules', '@fwkit', 'device-json')));
    expect(await realpath(json)).toBe(join(await realpath(root), 'packages', 'device', 'json'));
    expect((await stat(join(json, 'dist', 'index.js'))).isFile()).toBe(true);
    // An npm package's files are hard links to the installed tree's (same filesystem here).
    const file = join('node_modules', 'fast-xml-parser', 'package.json');
    expect((await stat(join(root, file))).ino).toBe((await stat(join(REPO_ROOT, file))).ino);
  });

  it('copies only the given entries of another tree', async () => {
    const from = await mkdtemp(join(tmpdir(), 'fwkit-copy-from-'));
    temps.push(from);
    const root = await copyCheckout(join(from, 'copy'), { from: join(REPO_ROOT, 'packages', 'device', 'json'), entries: ['package.json'] });
    expect((await readdir(root)).sort()).toEqual(['node_modules', 'package.json']);
  });
});
