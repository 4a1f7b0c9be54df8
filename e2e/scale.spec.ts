import { expect, test, type APIRequestContext } from '@playwright/test';

// Runs after the other console tests (see playwright.config.ts): it enrols ten thousand nodes.
// The goals are the issue's: the first page interactive in under 2 s and a filter applied in
// under 500 ms. Both are measured in the browser and printed. On a loaded 2-core box (other
// builds or tests running) the figures can double; the goals are still asserted as stated, so a
// failure here on a busy machine means "re-run it alone" before it means "the console got slow".
const IRONIC = `http://127.0.0.1:${process.env.E2E_IRONIC_PORT ?? '6485'}`;
const COUNT = 10_000;
const FIRST_PAGE_GOAL_MS = 2_000;
const FILTER_GOAL_MS = 500;
const name = (i: number) => `scale-${String(i).padStart(5, '0')}`;

async function enrol(request: APIRequestContext): Promise<void> {
  const batch = 100;
  for (let start = 0; start < COUNT; start += batch) {
    const responses = await Promise.all(
      Array.from({ length: batch }, (_, k) =>
        request.post(`${IRONIC}/v1/nodes`, {
          data: { name: name(start + k), driver: 'fake-hardware' },
        }),
      ),
    );
    for (const response of responses) expect(response.status(), await response.text()).toBe(201);
  }
}

test('ten thousand machines: first page in under 2 s, a filter in under 500 ms', async ({
  page,
  playwright,
}) => {
  test.setTimeout(900_000);
  await page.goto('/');
  const count = page.getByTestId('machine-count');
  await expect(count).toHaveText(/^\d+$/);
  const before = Number(await count.textContent());
  // Enrol with no page listening and through a context of our own: the test's traced request
  // fixture would record all ten thousand calls.
  await page.goto('about:blank');
  const api = await playwright.request.newContext();
  const enrolStarted = Date.now();
  await enrol(api);
  const enrolMs = Date.now() - enrolStarted;
  await api.dispose();
  const total = COUNT + before;

  // A fresh load, timed in the page from navigation start to the frame that first shows rows
  // and their count. Rows are fetched only after hydration, so by then the page answers input.
  await page.addInitScript(() => {
    const w = window as unknown as { __firstPage?: number };
    const check = () => {
      if (w.__firstPage !== undefined) return;
      const counted = document.querySelector('[data-testid="machine-count"]')?.textContent;
      if (counted && document.querySelector('tr[data-machine]')) {
        requestAnimationFrame(() => (w.__firstPage ??= performance.now()));
      }
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true });
  });
  await page.goto('/');
  await expect(count).toHaveText(String(total));
  const rows = page.locator('tr[data-machine]');
  await expect(rows.first()).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => (window as { __firstPage?: number }).__firstPage ?? null))
    .not.toBeNull();
  const firstPageMs = await page.evaluate(
    () => (window as unknown as { __firstPage: number }).__firstPage,
  );
  console.log(
    `${total} machines: first page on screen ${Math.round(firstPageMs)} ms after navigation ` +
      `(goal < ${FIRST_PAGE_GOAL_MS}); ${COUNT} enrolled in ${(enrolMs / 1000).toFixed(1)} s`,
  );

  expect(await rows.count(), 'rows in the DOM').toBeLessThan(120);
  // Scrolling to the end fetches only the last pages and shows the last machine by name.
  await page.locator('div:has(> table[aria-rowcount])').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(page.locator(`tr[data-machine="${name(COUNT - 1)}"]`)).toBeVisible();
  expect(await rows.count(), 'rows in the DOM after scrolling').toBeLessThan(120);

  // A filter, timed in the page from the Enter key to the new count on screen.
  const search = page.getByLabel('Search machines');
  await search.fill('name:scale-05');
  await page.evaluate(() => {
    const w = window as unknown as { __filter: { pressed?: number; shown?: number } };
    w.__filter = {};
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter') w.__filter.pressed = performance.now();
      },
      { capture: true, once: true },
    );
    // The count is re-rendered (not only re-texted) while the filtered pages load: watch the
    // whole document for it.
    const observer = new MutationObserver(() => {
      const text = document.querySelector('[data-testid="machine-count"]')?.textContent ?? '';
      if (w.__filter.pressed !== undefined && /^1000 of /.test(text)) {
        requestAnimationFrame(() => (w.__filter.shown ??= performance.now()));
        observer.disconnect();
      }
    });
    observer.observe(document.body, { subtree: true, characterData: true, childList: true });
  });
  await search.press('Enter');
  await expect(count).toHaveText(`1000 of ${total}`);
  await expect(page.locator(`tr[data-machine="${name(5000)}"]`)).toBeVisible();
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { __filter: { shown?: number } }).__filter.shown ?? null,
      ),
    )
    .not.toBeNull();
  const filter = await page.evaluate(
    () => (window as unknown as { __filter: { pressed: number; shown: number } }).__filter,
  );
  const filterMs = filter.shown - filter.pressed;
  await page.screenshot({ path: 'e2e/screenshots/fleet-10000.png' });

  console.log(
    `${total} machines: filter applied in ${Math.round(filterMs)} ms (goal < ${FILTER_GOAL_MS})`,
  );
  expect(firstPageMs, 'first page interactive').toBeLessThan(FIRST_PAGE_GOAL_MS);
  expect(filterMs, 'filter applied').toBeLessThan(FILTER_GOAL_MS);
});
