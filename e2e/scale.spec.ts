import { expect, test, type APIRequestContext } from '@playwright/test';

// Runs after the other console tests (see playwright.config.ts): it enrols a thousand more nodes.
const IRONIC = 'http://127.0.0.1:6485';
const COUNT = 1000;
const name = (i: number) => `scale-${String(i).padStart(4, '0')}`;

async function enrol(request: APIRequestContext): Promise<void> {
  const batch = 50;
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

test('a thousand machines load, scroll and filter without rendering every row', async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  const count = page.getByTestId('machine-count');
  await expect(count).toHaveText(/^\d+$/);
  const before = Number(await count.textContent());
  await enrol(request);

  const started = Date.now();
  await page.reload();
  await expect(count).toHaveText(String(COUNT + before));
  expect(Date.now() - started, 'time to the first page').toBeLessThan(10_000);

  const rows = page.locator('tr[data-machine]');
  await expect(rows.first()).toBeVisible();
  expect(await rows.count(), 'rows in the DOM').toBeLessThan(120);

  // Scrolling to the end fetches only the last pages and shows the last machine by name.
  await page.locator('div:has(> table[aria-rowcount])').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(page.locator(`tr[data-machine="${name(COUNT - 1)}"]`)).toBeVisible();
  expect(await rows.count(), 'rows in the DOM after scrolling').toBeLessThan(120);

  await page.getByLabel('Search machines').fill('name:scale-05');
  await page.keyboard.press('Enter');
  await expect(count).toHaveText(`100 of ${COUNT + before}`);
  await expect(page.locator(`tr[data-machine="${name(500)}"]`)).toBeVisible();
});
