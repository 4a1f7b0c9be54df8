import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// The main pages, checked by axe (WCAG 2.x A/AA rules, contrast included) in both themes. Only
// serious and critical findings fail the test; every finding is printed.
const PAGES = [
  { name: 'fleet list', path: '/', ready: 'tr[data-machine]', shot: 'machines', live: true },
  {
    name: 'machine detail',
    path: '/machines/demo-01',
    ready: 'main h1',
    shot: 'machine',
    live: true,
  },
  {
    name: 'simulator panel',
    path: '/simulator',
    ready: 'tr[data-sim-machine]',
    shot: 'simulator',
    live: false,
  },
] as const;

async function violations(page: Page) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  }));
}

for (const scheme of ['light', 'dark'] as const) {
  for (const target of PAGES) {
    test(`${target.name} has no serious accessibility problems (${scheme} theme)`, async ({
      page,
    }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(target.path);
      await expect(page.locator(target.ready).first()).toBeVisible({ timeout: 60_000 });
      // Let the live stream settle so axe sees the page as a user would.
      if (target.live) {
        await expect(
          page.getByRole('status').filter({ hasText: /Live|Reconnecting|Stale|Connecting/ }),
        ).toContainText('Live');
      }
      const found = await violations(page);
      for (const v of found) {
        console.log(`[${scheme}] ${target.path} ${v.impact} ${v.id}: ${v.help}`);
        for (const t of v.targets) console.log(`    ${t.replace(/\s+/g, ' ')}`);
      }
      if (scheme === 'dark') {
        await page.screenshot({ path: `e2e/screenshots/${target.shot}-dark.png` });
      }
      const serious = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    });
  }
}

test('the fleet list can be walked with the arrow keys and a row opened with Enter', async ({
  page,
}) => {
  await page.goto('/');
  const rows = page.locator('tr[data-machine]');
  await expect(rows.first()).toBeVisible();
  // One row at a time is in the tab order (a roving tabindex); the arrows move it.
  await rows.first().focus();
  await expect(rows.nth(0)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await expect(rows.nth(1)).toHaveAttribute('tabindex', '0');
  await expect(rows.nth(0)).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('End');
  const last = rows.last();
  await expect(last).toBeFocused();
  await page.keyboard.press('Home');
  await expect(rows.first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const name = await rows.nth(1).getAttribute('data-machine');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/machines/${name}$`));
});
