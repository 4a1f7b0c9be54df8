import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// The lifecycle of demo-02 (an NVMe machine: its disks erase quickly) through the console's
// action forms, against the embedded lab. Each step waits for the state the conductor reports.
const NAME = 'demo-02';

const state = (page: Page) => page.getByTestId('machine-state');
const actions = (page: Page) => page.getByRole('group', { name: 'Machine actions' });
const dialog = (page: Page) => page.getByRole('dialog');

async function waitForState(page: Page, want: string, timeout = 240_000): Promise<void> {
  await expect(state(page)).toHaveAttribute('data-state', want, { timeout });
}

test.describe.configure({ mode: 'serial' });

test('actions the conductor would refuse are disabled, with the reason', async ({ page }) => {
  await page.goto(`/machines/${NAME}`);
  await waitForState(page, 'manageable');
  const deploy = actions(page).getByRole('button', { name: 'Deploy…', exact: true });
  await expect(deploy).toBeDisabled();
  await expect(deploy).toHaveAccessibleDescription(
    'Not from "manageable"; only from "available", "deploy failed"',
  );
  await expect(actions(page).getByRole('button', { name: 'Clean…', exact: true })).toBeEnabled();
});

test('inspection first, so later pre-flight checks can name the disks', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(`/machines/${NAME}/events`);
  await waitForState(page, 'manageable');
  await page.getByRole('button', { name: `Inspect ${NAME}` }).click();
  await expect(
    page
      .locator('tr[data-event-type="provision.transition"]')
      .filter({ hasText: 'from=inspect wait to=manageable' })
      .filter({ hasText: 'inspection finished' }),
  ).toHaveCount(1, { timeout: 180_000 });
  await waitForState(page, 'manageable');
});

test('maintenance needs a reason; the conductor shows it until it ends', async ({ page }) => {
  await page.goto(`/machines/${NAME}`);
  await actions(page).getByRole('button', { name: 'Maintenance…', exact: true }).click();
  await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
  // The server's zod message, beside the field it is about.
  await expect(dialog(page).getByLabel('Reason')).toHaveAccessibleDescription(
    'say why the machine goes into maintenance',
  );
  await dialog(page).getByLabel('Reason').fill('reseating a DIMM');
  await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
  await expect(page.getByText('In maintenance: reseating a DIMM')).toBeVisible();
  await actions(page).getByRole('button', { name: 'End maintenance…', exact: true }).click();
  await dialog(page).getByRole('button', { name: 'End maintenance' }).click();
  await expect(page.getByText('In maintenance')).toHaveCount(0);
});

test('manual clean with a step and argument from the picker, then provide to available', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto(`/machines/${NAME}`);
  await waitForState(page, 'manageable');
  await actions(page).getByRole('button', { name: 'Clean…', exact: true }).click();
  const form = dialog(page);
  await form.getByRole('button', { name: 'Add deploy.wait' }).click();
  const step = form.getByRole('listitem', { name: 'Step 1: deploy.wait' });
  const seconds = step.getByLabel('seconds');
  await expect(seconds).toHaveAttribute('type', 'number');
  await expect(seconds).toHaveAccessibleDescription(/How long to wait, in seconds/);
  await seconds.fill('20');
  await expect(form.getByRole('list', { name: 'Checks' })).toContainText(
    'None of the chosen steps erases data',
  );
  await form.getByRole('button', { name: `Clean ${NAME}` }).click();
  await expect(form).toHaveCount(0);
  await expect(state(page)).not.toHaveAttribute('data-state', 'manageable', { timeout: 30_000 });
  await waitForState(page, 'manageable');
  await page.getByRole('link', { name: 'Events' }).click();
  await expect(
    page.locator('tr[data-event-type="clean.steps"]').filter({ hasText: 'deploy.wait' }),
  ).toHaveCount(1);

  await page.getByRole('button', { name: `Provide ${NAME}` }).click();
  await waitForState(page, 'available', 360_000);
});

test('deploy an image from the picker: active, and the console shows the OS booting', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto(`/machines/${NAME}`);
  await waitForState(page, 'available');
  await actions(page).getByRole('button', { name: 'Deploy…', exact: true }).click();
  const form = dialog(page);
  const images = form.getByRole('radiogroup', { name: 'Images' });
  await images.getByRole('radio', { name: /labos-1\.0-disk\.raw/ }).check();
  await expect(form.getByRole('list', { name: 'What will be erased' })).toContainText(
    'overwritten by the image',
  );
  const deploy = form.getByRole('button', { name: `Deploy ${NAME}` });
  await expect(deploy).toBeDisabled();
  await form.getByRole('checkbox', { name: /I have read what will be overwritten/ }).check();
  await page.screenshot({ path: 'e2e/screenshots/deploy.png' });
  await deploy.click();
  await expect(form).toHaveCount(0);

  await page.getByRole('link', { name: 'Console' }).click();
  await waitForState(page, 'active', 360_000);
  const screen = page.getByTestId('serial-console').locator('.xterm-rows');
  await expect(screen).toContainText(/Welcome to .+!/, { timeout: 120_000 });
  await expect(screen).toContainText(`${NAME} login:`);
  await page.screenshot({ path: 'e2e/screenshots/deployed-console.png' });
});

test('undeploy lists what it erases, then cleans back to available', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto(`/machines/${NAME}`);
  await waitForState(page, 'active');
  await actions(page).getByRole('button', { name: 'Undeploy…', exact: true }).click();
  const form = dialog(page);
  await expect(form.getByRole('list', { name: 'What will be erased' })).toContainText(
    'the deployed instance (labos-1.0-disk.raw)',
  );
  await form.getByRole('checkbox', { name: /I have read what will be erased/ }).check();
  await form.getByRole('button', { name: `Undeploy ${NAME}` }).click();
  await expect(form).toHaveCount(0);
  await waitForState(page, 'available', 360_000);
});

test('a clean picked from the agent steps, held, aborted, then managed back', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`/machines/${NAME}`);
  await waitForState(page, 'available');
  await page.getByRole('button', { name: `Manage ${NAME}` }).click();
  await waitForState(page, 'manageable');
  await actions(page).getByRole('button', { name: 'Clean…', exact: true }).click();
  const form = dialog(page);
  // The agent's own steps are offered now that providing cached them.
  await form.getByRole('button', { name: 'Add deploy.erase_devices_metadata' }).click();
  await form.getByRole('button', { name: 'Add deploy.hold' }).click();
  await expect(form.getByRole('list', { name: 'What will be erased' })).toContainText(
    'partition tables and filesystem signatures on every disk',
  );
  const clean = form.getByRole('button', { name: `Clean ${NAME}` });
  await expect(clean).toBeDisabled();
  await form.getByRole('checkbox', { name: /I have read what will be erased/ }).check();
  await page.screenshot({ path: 'e2e/screenshots/clean-steps.png' });
  await clean.click();
  await waitForState(page, 'clean hold', 120_000);
  await page.getByRole('button', { name: `Abort ${NAME}` }).click();
  await waitForState(page, 'clean failed', 60_000);
  await page.getByRole('button', { name: `Manage ${NAME}` }).click();
  await waitForState(page, 'manageable', 60_000);
});

test('the boot device is set through the BMC and recorded in the history', async ({ page }) => {
  await page.goto(`/machines/${NAME}/events`);
  await actions(page).getByRole('button', { name: 'Boot device…', exact: true }).click();
  const form = dialog(page);
  await form.getByRole('radio', { name: /^Disk/ }).check();
  await form.getByRole('button', { name: 'Set boot device' }).click();
  await expect(form).toHaveCount(0);
  await expect(
    page.locator('tr[data-event-type="management.boot_device"]').filter({ hasText: 'device=disk' }),
  ).toHaveCount(1);
});

test('enrolling checks the BMC address beside its field before creating anything', async ({
  page,
}) => {
  await page.goto('/machines/enroll');
  const form = page.getByRole('form', { name: 'Enroll from a BMC address' });
  await form.getByLabel('BMC address').fill('bmc.example');
  await form.getByRole('button', { name: 'Enroll' }).click();
  await expect(form.getByLabel('BMC address')).toHaveAccessibleDescription(
    /a Redfish address is a URL, e\.g\. https:\/\/10\.0\.0\.5/,
  );
  await expect(form.getByRole('alert')).toHaveText('Fix the highlighted fields.');
  await page.screenshot({ path: 'e2e/screenshots/enroll.png' });
  await page.getByRole('tab', { name: 'From the simulator' }).click();
  // The demo machines are all enrolled already.
  await expect(page.getByText('Every simulated machine is enrolled.')).toBeVisible();
});

/** Serious and critical axe findings (WCAG 2.x A/AA), as the main pages are held to. */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the action forms have no serious accessibility problems (${scheme} theme)`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`/machines/${NAME}`);
    await waitForState(page, 'manageable');
    await actions(page).getByRole('button', { name: 'Clean…', exact: true }).click();
    const form = dialog(page);
    await form.getByRole('button', { name: 'Add deploy.erase_devices_metadata' }).click();
    await form.getByRole('button', { name: 'Add deploy.wait' }).click();
    await expect(form.getByRole('list', { name: 'What will be erased' })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Close' }).click();
    await expect(form).toHaveCount(0);

    await page.goto('/machines/enroll');
    const enroll = page.getByRole('form', { name: 'Enroll from a BMC address' });
    await enroll.getByLabel('BMC address').fill('bmc.example');
    await enroll.getByRole('button', { name: 'Enroll' }).click();
    await expect(enroll.getByRole('alert')).toHaveText('Fix the highlighted fields.');
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`/machines/${NAME}/console`);
    await expect(page.getByRole('status').filter({ hasText: /^Connected/ })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}
