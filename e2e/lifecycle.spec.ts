import { expect, test, type Page } from '@playwright/test';

// Issue 8's walk through a machine's first day, in the browser only: rack it in the simulator,
// enroll it from there (managed at once), then provide it and watch cleaning step by step until
// it is available, all on one page that is never reloaded. Runs in its own project after the
// simulator tests (see playwright.config.ts): it adds a machine, and they count the demo four.
const NAME = 'life-vm';
// The lab's default automated cleaning (ERASE_DEVICES_PRIORITY=0) erases metadata only; the
// timeline names steps as Ironic does, interface first.
const STEP = 'deploy.erase_devices_metadata';

const state = (page: Page) => page.getByTestId('machine-state');

/** What the page showed, as the DOM changed, with the wall time it did. */
interface Seen {
  /** A clean step's name, or `state` for the machine's provision state. */
  step: string;
  status: string;
  /** Whether the step's live progress line showed under it. */
  progress: boolean;
  at: number;
}

/**
 * Records every provision state and step status the machine page shows, so a step that runs
 * for less than one of Playwright's polls is still seen running. Only what the DOM showed
 * counts: no API is read. The record lives in the page, so it also proves there was no reload.
 */
async function recordPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Seen[] = [];
    (window as unknown as { __seen: Seen[] }).__seen = seen;
    const last = new Map<string, string>();
    const note = (step: string, status: string, progress: boolean) => {
      const key = `${status}/${progress}`;
      if (last.get(step) === key) return;
      last.set(step, key);
      seen.push({ step, status, progress, at: Date.now() });
    };
    const scan = () => {
      const state = document.querySelector('[data-testid="machine-state"]');
      if (state) note('state', state.getAttribute('data-state') ?? '', false);
      for (const li of document.querySelectorAll('ol[aria-label="clean steps"] > li')) {
        note(
          li.querySelector('code')?.textContent ?? '',
          li.getAttribute('data-step-status') ?? '',
          li.querySelector('[data-testid="step"]') !== null,
        );
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
}

const recorded = (page: Page) =>
  page.evaluate(() => (window as unknown as { __seen?: Seen[] }).__seen);

test('enroll a machine from the simulator, manage it, provide it and watch cleaning reach available', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const phases: [string, number][] = [];
  let mark = Date.now();
  const phase = (name: string) => {
    const now = Date.now();
    phases.push([name, now - mark]);
    mark = now;
  };

  // Rack it, not enrolled: the conductor does not know it yet.
  await page.goto('/simulator');
  // From here on every page is reached by the console's own links: one document throughout.
  await recordPage(page);
  const form = page.getByRole('form', { name: 'Add a machine' });
  await form.getByLabel('Profile').selectOption('small-vm');
  await form.getByLabel('Name (optional)').fill(NAME);
  await form.getByLabel('Enrol with the conductor').uncheck();
  mark = Date.now();
  await form.getByRole('button', { name: 'Add machine' }).click();
  await expect(form.getByRole('status')).toHaveText(`Added ${NAME}.`);
  const rack = page.locator(`tr[data-sim-machine="${NAME}"]`);
  await expect(rack.getByText('not enrolled')).toBeVisible();
  phase('add in simulator');

  // Enroll it from the simulator tab; the form manages it afterwards unless told otherwise.
  await page.getByRole('link', { name: 'Enroll' }).first().click();
  await expect(page).toHaveURL(/\/machines\/enroll$/);
  await page.getByRole('tab', { name: 'From the simulator' }).click();
  const enroll = page.getByRole('form', { name: 'Enroll from the simulator' });
  await enroll.getByRole('radio', { name: new RegExp(`^${NAME}\\b`) }).check();
  const manage = enroll.getByRole('checkbox', { name: /Manage after enrolling/ });
  await expect(manage).toBeChecked();
  mark = Date.now();
  const enrolledAt = mark;
  await enroll.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/machines/${NAME}$`));
  await expect(state(page)).toBeVisible();
  phase('enroll (click → machine page)');

  // Manage: the conductor checks the BMC (verifying) before it is manageable.
  await expect(state(page)).toHaveAttribute('data-state', 'manageable', { timeout: 120_000 });
  phase('manage → manageable shown');

  // Provide: automated cleaning boots the agent and runs the metadata erase.
  const providedAt = Date.now();
  await page.getByRole('button', { name: `Provide ${NAME}` }).click();
  // Should the console ask for a confirmation first, give it.
  const leaving = page
    .locator('[data-testid="machine-state"]:not([data-state="manageable"])')
    .or(page.getByRole('dialog'));
  await expect(leaving.first()).toBeVisible();
  const dialog = page.getByRole('dialog');
  if (await dialog.isVisible()) {
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await dialog.getByRole('button', { name: /^(Provide|Confirm)/ }).click();
  }
  await expect(state(page)).not.toHaveAttribute('data-state', 'manageable', { timeout: 30_000 });
  const steps = page.getByRole('list', { name: 'clean steps' });
  const item = steps.getByRole('listitem').filter({ has: page.getByText(STEP, { exact: true }) });
  await expect(item).toBeVisible({ timeout: 180_000 });
  phase('provide → clean step listed');

  await expect(item).toHaveAttribute('data-step-status', 'done', { timeout: 180_000 });
  phase(`${STEP} ran`);
  await expect(state(page)).toHaveAttribute('data-state', 'available', { timeout: 120_000 });
  phase('→ available');

  // The timeline showed the step running (with its progress line) before done, live.
  const all = await recorded(page);
  expect(all, 'the machine page was reloaded').toBeDefined();
  const shown = all!.filter((s) => s.step === 'state');
  const states = shown.map((s) => s.status);
  const path = shown.map((s) => `${s.status} +${((s.at - enrolledAt) / 1000).toFixed(1)} s`);
  // Managed, then cleaned to available, each state shown as the conductor reached it.
  const managedAt = shown.findIndex((s) => s.status === 'manageable');
  expect(managedAt, path.join(' → ')).toBeGreaterThanOrEqual(0);
  expect(states.slice(managedAt), path.join(' → ')).toEqual(
    expect.arrayContaining(['clean wait', 'available']),
  );
  expect(states.at(-1)).toBe('available');
  expect(shown.find((s) => s.status === 'clean wait')!.at).toBeGreaterThan(providedAt);
  const seen = all!.filter((s) => s.step === STEP);
  const running = seen.findIndex((s) => s.status === 'running');
  expect(running, JSON.stringify(seen)).toBeGreaterThanOrEqual(0);
  expect(seen.slice(running).some((s) => s.status === 'done')).toBe(true);
  expect(
    seen.some((s) => s.status === 'running' && s.progress),
    JSON.stringify(seen),
  ).toBe(true);
  const ranFor = seen.find((s) => s.status === 'done')!.at - seen[running]!.at;
  await expect(page.getByText(`Last clean`)).toBeVisible();
  await expect(page.getByText(/^succeeded · /)).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/lifecycle.png', fullPage: true });

  const total = phases.reduce((sum, [, ms]) => sum + ms, 0);
  const lines = phases.map(([name, ms]) => `  ${name.padEnd(36)} ${(ms / 1000).toFixed(1)} s`);
  console.log(
    [
      `lifecycle of ${NAME} (wall time, SIM_SPEED from the e2e server):`,
      ...lines,
      `  ${STEP} shown running for ${(ranFor / 1000).toFixed(1)} s`,
      `  states shown (from the Enroll click): ${path.join(' → ')}`,
      `  total ${(total / 1000).toFixed(1)} s`,
    ].join('\n'),
  );
});
