import { expect, test } from '@playwright/test';

test('the search lives in the URL, shows as chips and narrows the list on the server', async ({
  page,
}) => {
  await page.goto('/');
  const rows = page.locator('tr[data-machine]');
  await expect(rows).toHaveCount(4);

  await page.getByLabel('Search machines').fill('profile:storage-2u');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]q=profile%3Astorage-2u/);
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('machine-count')).toHaveText('2 of 4');
  const chips = page.getByRole('list', { name: 'Active filters' });
  await expect(chips).toContainText('profile:storage-2u');

  // The address is the view: loading it again gives the same filtered list.
  await page.reload();
  await expect(rows).toHaveCount(2);

  await chips.getByRole('button', { name: 'Remove filter profile:storage-2u' }).click();
  await expect(rows).toHaveCount(4);
  await expect(page).not.toHaveURL(/q=/);

  // Clicking a value in the table filters by it.
  await page.getByRole('button', { name: 'Filter by profile small-vm' }).click();
  await expect(rows).toHaveCount(1);
  await expect(page.locator('tr[data-machine="demo-03"]')).toBeVisible();
  await expect(page).toHaveURL(/q=profile%3Asmall-vm/);

  // "/" jumps to the search box; a term it does not know is reported, not silently applied.
  await page.getByRole('heading', { name: /Machines/ }).click();
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search machines')).toBeFocused();
  await page.getByLabel('Search machines').fill('colour:red');
  await page.keyboard.press('Enter');
  await expect(page.getByText(/Ignored: unknown field "colour"/)).toBeVisible();
  await expect(rows).toHaveCount(4);
});

test('a machine has deep-linkable summary, inventory, events and console views', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'demo-01' }).click();
  await expect(page).toHaveURL(/\/machines\/demo-01$/);
  await expect(page.getByRole('heading', { level: 1, name: 'demo-01' })).toBeVisible();
  const tabs = page.getByRole('navigation', { name: 'Machine views' });
  await expect(tabs.getByRole('link', { name: 'Summary' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('region', { name: 'Hardware' })).toContainText(/\d+ ×/);

  await tabs.getByRole('link', { name: 'Inventory' }).click();
  await expect(page).toHaveURL(/\/machines\/demo-01\/inventory$/);
  const disks = page.getByRole('table', { name: 'Disks' });
  await expect(disks.locator('tbody tr')).not.toHaveCount(0);
  // Without root device hints the agent would install to the smallest disk of at least 4 GiB.
  await expect(disks.getByRole('rowheader').filter({ hasText: 'root' })).toHaveCount(1);
  await expect(page.getByLabel('Inventory JSON')).toContainText('"system_vendor"');

  await tabs.getByRole('link', { name: 'Events' }).click();
  await expect(page).toHaveURL(/\/machines\/demo-01\/events$/);
  await expect(page.getByRole('table', { name: /Events/ }).locator('tbody tr')).not.toHaveCount(0);
  // Narrow the history to one kind of event; the choice is part of the address.
  await page
    .getByRole('list', { name: 'Filter events by kind' })
    .getByRole('button', { name: /^power \d+$/ })
    .click();
  await expect(page).toHaveURL(/\/events\?type=power$/);
  const types = await page
    .locator('tr[data-event-type]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type')));
  expect(types.length).toBeGreaterThan(0);
  expect(types.every((type) => type?.startsWith('power.'))).toBe(true);

  // Deep link straight to the console: the agent's heartbeats scroll by in xterm.
  await page.goto('/machines/demo-01/console');
  await expect(tabs.getByRole('link', { name: 'Console' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('status').filter({ hasText: /^Connected/ })).toBeVisible();
  await expect(page.getByTestId('serial-console').locator('.xterm-rows')).toContainText(
    'heartbeat sent',
    { timeout: 60_000 },
  );
  await page.screenshot({ path: 'e2e/screenshots/console.png' });
});

test('provisioning actions are the ones the conductor allows, and their effect shows live', async ({
  page,
}) => {
  await page.goto('/machines/demo-03/events');
  const actions = page.getByRole('group', { name: 'Provisioning actions' });
  await expect(actions.getByRole('button')).toHaveText(['Provide', 'Inspect']);
  await actions.getByRole('button', { name: 'Inspect demo-03' }).click();
  // The conductor reboots the machine into the agent, which inspects it again; the history on
  // screen follows each transition without a reload.
  const events = page.locator('tr[data-event-type="provision.transition"]');
  await expect(events.filter({ hasText: 'from=manageable to=inspecting' })).toHaveCount(1);
  await expect(
    events
      .filter({ hasText: 'from=inspect wait to=manageable' })
      .filter({ hasText: 'inspection finished' }),
  ).toHaveCount(1, { timeout: 90_000 });
  await expect(actions.getByRole('button', { name: 'Inspect demo-03' })).toBeVisible();
});

test('providing a machine runs its clean steps on the agent, and the console follows them', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/machines/demo-03/events');
  await page.getByRole('button', { name: 'Provide demo-03' }).click();
  await expect(page.locator('tr[data-event-type="clean.started"]')).toHaveCount(1, {
    timeout: 30_000,
  });
  // Which steps run, and whether they succeed on the simulated OS, is the agent's business; the
  // console must show each step as it starts and where cleaning ends.
  await expect(
    page.locator('tr[data-event-type="clean.step_started"]').filter({ hasText: /index=0 of=\d+/ }),
  ).toHaveCount(1, { timeout: 60_000 });
  const ended = page
    .locator('tr[data-event-type="provision.transition"]')
    .filter({ hasText: /from=(cleaning|clean wait) to=(available|clean failed)/ });
  await expect(ended).toHaveCount(1, { timeout: 200_000 });
  const outcome = (await ended.textContent()) ?? '';
  const actions = page.getByRole('group', { name: 'Provisioning actions' });
  await expect(actions.getByRole('button')).toHaveText(['Manage']);
  if (outcome.includes('clean failed')) {
    await expect(
      page
        .getByRole('main')
        .getByText(/^Clean step \S+ failed/)
        .first(),
    ).toBeVisible();
  }

  // The summary keeps the run as a timeline, rebuilt from the history.
  await page.getByRole('link', { name: 'Summary' }).click();
  const steps = page.getByRole('list', { name: 'clean steps' }).getByRole('listitem');
  await expect(steps.first()).toHaveAttribute(
    'data-step-status',
    outcome.includes('clean failed') ? /done|failed/ : 'done',
  );
  await page.screenshot({ path: 'e2e/screenshots/machine-summary.png', fullPage: true });
});
