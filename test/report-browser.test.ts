// The matrix report in a real browser: Debian's chromium driven by playwright-core (which never
// downloads a browser of its own), with real clicks and key presses on a 1,000 × 200 report.
import { renderMatrixHtml, type Matrix, type MatrixReason } from '@fwkit/release-matrix';
import { describeWithTools, quietChromiumArgs, syntheticMatrix } from '@fwkit/test-utils';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE_NAME = '</script><script>window.pwned = 1</script><b>bold</b>';
const HOSTILE_REASON = 'flash <img src=x onerror="window.pwned = 2"> & </script> holds 1 <!-- byte';

/** A 1,000 × 200 matrix whose worst model has a hostile name and a hostile reason in its candidate cell. */
function reportMatrix(): Matrix {
  const m = syntheticMatrix({ models: 1000, releases: 200 });
  const head = m.releases.length - 1;
  const hostile: MatrixReason = { code: 'FLASH_INSUFFICIENT', severity: 'error', message: HOSTILE_REASON, details: {} };
  return {
    ...m,
    models: m.models.map((x, i) => (i === 0 ? { ...x, name: HOSTILE_NAME } : x)),
    cells: m.cells.map((row, i) =>
      i === 0 ? row.map((c, j) => (j === head ? { ...c, verdict: 'fail' as const, reasons: [hostile, ...c.reasons] } : c)) : row,
    ),
  };
}

describeWithTools('chromium', 'the matrix report in Chromium', () => {
  let dir: string;
  let context: BrowserContext | undefined;
  let page: Page;
  const outside: string[] = [];
  const matrix = reportMatrix();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-report-browser-'));
    const file = join(dir, 'matrix.html');
    await writeFile(file, renderMatrixHtml(matrix));
    // A fresh profile per run (launchPersistentContext is how Playwright takes a --user-data-dir).
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: quietChromiumArgs(),
    });
    // Self-contained: anything but the file itself is refused and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const visibleRows = () => page.locator('#grid tbody tr:visible');

  it('shows every model worst first, the newest release only, and loads nothing from outside', async () => {
    expect(await page.locator('#grid tbody tr').count()).toBe(1000);
    expect(await page.locator('#grid tbody tr').first().locator('td.cell').first().getAttribute('class')).toContain('fail');
    expect(await page.locator('#grid thead th.rel').count()).toBe(0);
    expect(await page.locator('#history').getAttribute('aria-expanded')).toBe('false');
    expect(outside).toEqual([]);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
  });

  it('filters rows by model name or id and by verdict', async () => {
    await page.click('#filter');
    await page.keyboard.type('cam-0042');
    expect(await visibleRows().count()).toBe(1);
    await expect.poll(() => visibleRows().first().locator('th.model').innerText()).toContain('cam-0042');
    expect(await page.locator('#shown').innerText()).toBe('1 of 1000 models shown');
    await page.fill('#filter', '');
    expect(await visibleRows().count()).toBe(1000);

    const head = matrix.releases.length - 1;
    const failing = matrix.cells.filter((row) => row[head]?.verdict === 'fail').length;
    await page.selectOption('#verdict', 'f');
    expect(await visibleRows().count()).toBe(failing);
    const classes: unknown = await page.evaluate(
      "[...document.querySelectorAll('#grid tbody tr')].filter((r) => !r.hidden).map((r) => r.querySelector('td.cell').className)",
    );
    expect(new Set(classes as string[])).toEqual(new Set(['cell fail']));
    await page.selectOption('#verdict', '');
    expect(await visibleRows().count()).toBe(1000);
  });

  it('shows a cell’s reasons on a click, as text', async () => {
    expect(await page.locator('#panel').isVisible()).toBe(false);
    await page.locator('#grid tbody tr', { hasText: 'cam-0000' }).locator('td.cell').first().click();
    const panel = page.locator('#panel');
    expect(await panel.isVisible()).toBe(true);
    const text = await panel.innerText();
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain(`FLASH_INSUFFICIENT ${HOSTILE_REASON}`);
    expect(text).toContain(matrix.releases[matrix.releases.length - 1]?.firmware);
    expect(await panel.locator('img, script').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    await page.keyboard.press('Escape');
    expect(await panel.isVisible()).toBe(false);
  });

  it('shows history on demand, as runs of equal cells, whose reasons show on a click too; and hides it again', async () => {
    await page.click('#history');
    expect(await page.locator('#history').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('#grid thead th.rel:visible').count()).toBe(199);
    // Every row's history cells cover the 199 older releases.
    const spans: unknown = await page.evaluate(
      "[...document.querySelectorAll('#grid tbody tr')].map((r) => [...r.querySelectorAll('td.h')].reduce((n, td) => n + td.colSpan, 0))",
    );
    expect(new Set(spans as number[])).toEqual(new Set([199]));
    // A run of passing cells (a route shared by many releases): its panel names the span.
    const run = page.locator('#grid tbody tr').nth(500).locator('td.h.pass:not([colspan="1"])').first();
    await run.scrollIntoViewIfNeeded();
    await run.click();
    expect(await page.locator('#panel').innerText()).toMatch(/\d+ releases, \S+ to \S+, with the same verdict and reasons/);
    await page.screenshot({ path: join(dir, 'report.png') });
    await page.click('#panel-close');
    await page.click('#history');
    expect(await page.locator('#grid thead th.rel:visible').count()).toBe(0);
  });

  it('took a screenshot', async () => {
    const png = await readFile(join(dir, 'report.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await stat(join(dir, 'report.png'))).size).toBeGreaterThan(20_000);
  });
});
