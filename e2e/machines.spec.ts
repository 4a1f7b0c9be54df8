import { expect, test, type Page } from '@playwright/test';

const DEMO = ['demo-01', 'demo-02', 'demo-03', 'demo-04'];

const rowOf = (page: Page, name: string) => page.locator(`tr[data-machine="${name}"]`);

/** Marks the window so a test can prove the page was never reloaded. */
async function markWindow(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __e2eMarker: string }).__e2eMarker = 'same page';
  });
}

async function expectSameWindow(page: Page): Promise<void> {
  const marker = await page.evaluate(
    () => (window as unknown as { __e2eMarker?: string }).__e2eMarker,
  );
  expect(marker, 'the page reloaded').toBe('same page');
}

test('the demo machines appear and their heartbeat ages tick without a reload', async ({
  page,
}) => {
  await page.goto('/');
  await markWindow(page);
  await expect(page.getByRole('heading', { name: /Machines/ })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
  await expect(page.locator('tr[data-machine]')).toHaveCount(DEMO.length);
  for (const name of DEMO) await expect(rowOf(page, name)).toBeVisible();

  const age = rowOf(page, 'demo-01').getByTestId('heartbeat-age');
  await expect(age).toHaveText(/^\d+ (s|min) ago/, { timeout: 120_000 });
  await expect(age).toHaveAttribute('title', /\d{1,2}:\d{2}:\d{2}.*\(\d{4}-\d{2}-\d{2}T.*Z\)/);
  const before = await age.textContent();
  await expect(age).not.toHaveText(before ?? '', { timeout: 10_000 });
  await expectSameWindow(page);
});

test('powering on the machine that was off brings it up, live, through the whole stack', async ({
  page,
}) => {
  await page.goto('/');
  await markWindow(page);
  const row = rowOf(page, 'demo-04');
  const button = row.getByRole('button', { name: 'Power on demo-04' });
  await expect(button).toBeEnabled();
  await button.click();

  await expect(row.getByTestId('power-state')).toHaveText('power on');
  await expect(row.getByRole('button', { name: 'Power off demo-04' })).toBeVisible();
  // The agent boots on the simulated machine, looks its node up, is inspected and heartbeats.
  await expect(row.getByTestId('heartbeat-age')).toHaveText(/^\d+ (s|min) ago/, {
    timeout: 150_000,
  });
  const hardware = row.getByTestId('hardware');
  await expect(hardware).toContainText(/\d+ CPU · [\d.]+ (GiB|MiB) RAM/, { timeout: 150_000 });
  await expect(hardware).toContainText(/\d+ disks?, [\d.]+ (GB|TB)/);
  await expectSameWindow(page);

  await page.screenshot({ path: 'e2e/screenshots/machines.png', fullPage: true });
});
