import { expect, test } from '@playwright/test';

// Runs after the read-only console tests (see playwright.config.ts): it adds a machine.
test('a machine racked in the simulator is enrolled, boots, and its faults reach the console', async ({
  page,
}) => {
  await page.goto('/simulator');
  await expect(page.getByRole('heading', { name: /Simulator/ })).toBeVisible();
  await expect(page.locator('tr[data-sim-machine]')).toHaveCount(4);

  const form = page.getByRole('form', { name: 'Add a machine' });
  await form.getByLabel('Profile').selectOption('small-vm');
  await form.getByLabel('Name (optional)').fill('e2e-vm');
  await form.getByRole('button', { name: 'Add machine' }).click();
  await expect(form.getByRole('status')).toHaveText('Added e2e-vm, enrolled.');

  const row = page.locator('tr[data-sim-machine="e2e-vm"]');
  await expect(row.getByTestId('board-power')).toHaveText('On');
  await expect(row.getByRole('cell', { name: 'running' })).toBeVisible({ timeout: 60_000 });
  await expect(row.getByRole('link', { name: 'e2e-vm' })).toBeVisible();

  // A BMC that answers 500 makes the conductor's power request fail, and the console says so.
  await row.getByLabel('Fault kind').selectOption('bmc-error');
  await row.getByRole('button', { name: 'Inject' }).click();
  await expect(row.getByRole('list', { name: 'Faults on e2e-vm' })).toHaveText(/BMC answers 500/);

  await row.getByRole('link', { name: 'e2e-vm' }).click();
  await expect(page).toHaveURL(/\/machines\/e2e-vm$/);
  // Cutting power takes a second click.
  await page.getByRole('button', { name: 'Power off e2e-vm' }).click();
  await page.getByRole('button', { name: 'Confirm power off e2e-vm' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: /Could not set e2e-vm to power off/ }),
  ).toBeVisible();

  await page.getByRole('link', { name: 'Simulator' }).click();
  await page
    .locator('tr[data-sim-machine="e2e-vm"]')
    .getByRole('button', { name: 'Clear fault BMC answers 500 on e2e-vm' })
    .click();
  await expect(page.getByRole('list', { name: 'Faults on e2e-vm' })).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/simulator.png' });
});

test('an action over a whole search runs on the server and groups what failed by cause', async ({
  page,
}) => {
  await page.goto('/?q=name%3Ademo');
  await expect(page.getByTestId('machine-count')).toHaveText(/^4 of \d+$/);
  await page.getByText('Act on all 4 matching machines').click();
  const group = page.getByRole('group', { name: 'Bulk action' });
  await group.getByLabel('Action').selectOption('abort');
  await group.getByRole('button', { name: 'Apply…' }).click();
  await expect(group).toContainText('Abort 4 machines?');
  await group.getByRole('button', { name: 'Confirm' }).click();

  const result = page.getByRole('status', { name: 'Bulk result' });
  await expect(result).toContainText('Abort: 0 of 4 done, some failed:');
  // Nothing is being inspected or cleaned, so abort applies to none; one line per state.
  await expect(result.getByText(/^cannot abort from "manageable"$/)).toBeVisible();
  await expect(result.getByRole('button', { name: /^Retry these \d+$/ }).first()).toBeVisible();
});

test('a machine the conductor has never seen is discovered when it boots, and the list offers it', async ({
  context,
}) => {
  const list = await context.newPage();
  await list.goto('/');
  await expect(list.locator('tr[data-machine]').first()).toBeVisible();
  const before = Number(await list.getByTestId('machine-count').textContent());

  // Rack a machine without enrolling it and press its power button: it network-boots the agent,
  // which reports its inventory to the conductor, which enrols it (auto-discovery).
  const rack = await context.newPage();
  await rack.goto('/simulator');
  const form = rack.getByRole('form', { name: 'Add a machine' });
  await form.getByLabel('Profile').selectOption('small-vm');
  await form.getByLabel('Name (optional)').fill('stray-vm');
  await form.getByLabel('Enrol with the conductor').uncheck();
  await form.getByRole('button', { name: 'Add machine' }).click();
  await expect(form.getByRole('status')).toHaveText('Added stray-vm.');
  const row = rack.locator('tr[data-sim-machine="stray-vm"]');
  await expect(row.getByText('not enrolled')).toBeVisible();
  await row.getByRole('button', { name: 'Press power on stray-vm' }).click();

  // The open list does not reshuffle under the user: it offers the new machine instead.
  const chip = list.getByRole('button', { name: /^1 change · Refresh$/ });
  await expect(chip).toBeVisible({ timeout: 90_000 });
  await chip.click();
  await expect(list.getByTestId('machine-count')).toHaveText(String(before + 1));
  await expect(list.getByRole('button', { name: 'Filter by state enroll' }).first()).toBeVisible();
});

test('a training scenario started in one click kills a disk during cleaning, and the machine shows clean failed with the reason', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/simulator');
  const scenarios = page.getByRole('region', { name: 'Training scenarios' });
  await scenarios
    .getByRole('button', { name: 'Start scenario: A disk dies during cleaning' })
    .click();

  const run = scenarios
    .getByRole('list', { name: 'Scenario runs' })
    .getByRole('listitem', { name: /^A disk dies during cleaning on drill-\d+$/ })
    .first();
  await expect(run).toBeVisible();
  const machine = (await run.getAttribute('aria-label'))!.split(' on ').pop()!;
  await expect(run.getByRole('list', { name: 'Scenario log' })).toContainText(
    'an erase step starts: disk',
    { timeout: 120_000 },
  );
  await expect(run.getByTestId('scenario-status')).toHaveText('went as planned', {
    timeout: 120_000,
  });
  const outcome = run.getByTestId('scenario-outcome');
  await expect(outcome).toContainText('clean failed');
  await expect(outcome).toContainText(/erase_devices\w*.*Input\/output error/);
  // The fault the scenario injected shows on the machine's rack row until it is cleared.
  const rack = page.locator(`tr[data-sim-machine="${machine}"]`);
  await expect(rack.getByRole('list', { name: `Faults on ${machine}` })).toHaveText(/failing/);
  await page.screenshot({ path: 'e2e/screenshots/scenarios.png', fullPage: true });

  // The console's own view of the machine says the same, in its words.
  await run.getByRole('link', { name: machine }).click();
  await expect(page).toHaveURL(new RegExp(`/machines/${machine}$`));
  await expect(page.getByRole('main').getByText('clean failed').first()).toBeVisible();
  await expect(
    page
      .getByRole('main')
      .getByText(/erase_devices\w*.*Input\/output error/)
      .first(),
  ).toBeVisible();

  await page.goBack();
  await page
    .getByRole('list', { name: 'Scenario runs' })
    .getByRole('listitem', { name: `A disk dies during cleaning on ${machine}` })
    .getByRole('button', { name: 'Clear faults' })
    .click();
  await expect(
    page.locator(`tr[data-sim-machine="${machine}"]`).getByRole('list', { name: /^Faults on/ }),
  ).toHaveCount(0);
});
