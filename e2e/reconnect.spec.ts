import { expect, test } from '@playwright/test';

// The server recycles live streams every few seconds (LIVE_MAX_AGE_S in playwright.config.ts),
// as a proxy would; the browser must resume each time from the last event it saw.
test('a dropped live stream resumes from its last event, and a lost one is shown as stale', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const resumes: string[] = [];
  page.on('request', (request) => {
    if (!new URL(request.url()).pathname.endsWith('/machines.live')) return;
    void request.allHeaders().then((headers) => {
      const id = headers['last-event-id'];
      if (id) resumes.push(id);
    });
  });

  await page.goto('/');
  const status = page.getByRole('status').filter({ hasText: /Live|Reconnecting|Stale|Connecting/ });
  await expect(status).toContainText('Live');
  await expect.poll(() => resumes.length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(resumes.at(-1)).toMatch(/^[a-z0-9]+-\d+$/);

  // Heartbeats keep arriving across reconnects.
  const age = page.locator('tr[data-machine="demo-01"]').getByTestId('heartbeat-age');
  await expect(age).toHaveText(/^\d s ago/, { timeout: 30_000 });

  // Refuse reconnections: the indicator says so, then marks the data stale.
  await page.route('**/api/trpc/machines.live**', (route) => route.abort('connectionrefused'));
  await expect(status).toContainText('Reconnecting…', { timeout: 15_000 });
  await expect(status).toContainText(/Stale\s*since/, { timeout: 30_000 });
  await expect(page.getByRole('table')).toHaveAttribute('aria-busy', 'true');

  await page.unroute('**/api/trpc/machines.live**');
  await expect(status).toContainText('Live', { timeout: 60_000 });
  await expect(page.getByRole('table')).not.toHaveAttribute('aria-busy', 'true');
});
