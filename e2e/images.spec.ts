import { createHash, randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// The image catalogue page against the embedded lab's image service: the samples, a browser
// upload, readable refusals, and deletion. The lab says where its parts listen.
let IRONIC = '';
let IMAGES = '';
const SAMPLES = ['labos-1.0-disk.raw', 'labos-1.0-disk.qcow2', 'labos-1.0-root.img'];

const row = (page: Page, id: string) => page.locator(`tr[data-image-id="${id}"]`);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  const info = await request.get('/api/trpc/lab.info');
  expect(info.status()).toBe(200);
  const body = (await info.json()) as {
    result: { data: { ironicApiUrl: string; imagesUrl: string } };
  };
  IRONIC = body.result.data.ironicApiUrl;
  IMAGES = body.result.data.imagesUrl;
  expect(IMAGES).toMatch(/^http:\/\//);
});

test('the catalogue lists the LabOS samples with format, type, digest and URLs', async ({
  page,
}) => {
  await page.goto('/images');
  await expect(
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Images' }),
  ).toHaveAttribute('aria-current', 'page');
  for (const id of SAMPLES) await expect(row(page, id)).toBeVisible();
  const qcow2 = row(page, 'labos-1.0-disk.qcow2');
  await expect(qcow2.getByTestId('disk-format')).toHaveText('qcow2');
  await expect(qcow2.getByTestId('image-type')).toHaveText('whole-disk');
  await expect(row(page, 'labos-1.0-root.img').getByTestId('image-type')).toHaveText('partition');
  // The digest shown is the one the service serves beside the file.
  const raw = row(page, 'labos-1.0-disk.raw');
  const shown = await raw.locator('code[data-sha256]').getAttribute('data-sha256');
  const sumFile = await (await fetch(`${IMAGES}/images/labos-1.0-disk.raw.sha256`)).text();
  expect(sumFile.split(/\s+/)[0]).toBe(shown);
  await expect(
    raw.getByRole('link', { name: `${IMAGES}/images/labos-1.0-disk.raw` }),
  ).toHaveAttribute('href', `${IMAGES}/images/labos-1.0-disk.raw`);
  await expect(
    raw.getByRole('link', { name: 'sha256 checksum file of labos-1.0-disk.raw' }),
  ).toHaveAttribute('href', `${IMAGES}/images/labos-1.0-disk.raw.sha256`);
  await expect(raw.locator('time')).toHaveText(/\d{4}.*\(\d{4}-\d\d-\d\dT.*Z\)/);
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the images page has no serious accessibility problems (${scheme} theme)`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/images');
    await expect(row(page, SAMPLES[0]!)).toBeVisible();
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      .analyze();
    if (scheme === 'dark') await page.screenshot({ path: 'e2e/screenshots/images-dark.png' });
    const serious = result.violations.filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(
      serious.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
      ),
    ).toEqual([]);
  });
}

test('a file uploaded in the browser is listed with its SHA-256, served, and deleted', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // Over 8 MiB: the page sends it in two chunks.
  const bytes = randomBytes(9 * 1024 * 1024 + 123);
  const id = `e2e-upload-${randomBytes(3).toString('hex')}.raw`;
  await page.goto('/images');
  const form = page.getByRole('form', { name: 'Upload an image' });
  await form
    .getByLabel('Image file')
    .setInputFiles({ name: id, mimeType: 'application/octet-stream', buffer: bytes });
  await form.getByRole('button', { name: 'Upload' }).click();
  await expect(form.getByRole('status')).toContainText(`Added ${id}`);

  const added = row(page, id);
  await expect(added).toBeVisible();
  await expect(added.locator('code[data-sha256]')).toHaveAttribute('data-sha256', sha256(bytes));
  await expect(added.getByTestId('disk-format')).toHaveText('raw');
  await added.getByRole('button', { name: `Copy the SHA-256 of ${id}` }).click();
  await expect(added.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha256(bytes));
  const served = Buffer.from(await (await fetch(`${IMAGES}/images/${id}`)).arrayBuffer());
  expect(sha256(served)).toBe(sha256(bytes));

  await added.getByRole('button', { name: `Delete ${id}` }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${id}` });
  await expect(dialog).toContainText('removed from the image service');
  await dialog.getByRole('button', { name: `Delete ${id}` }).click();
  await expect(dialog).toBeHidden();
  await expect(added).toHaveCount(0);
  expect((await fetch(`${IMAGES}/images/${id}`)).status).toBe(404);
});

test('errors read as sentences: a 404 URL, a checksum mismatch, a bad path', async ({ page }) => {
  await page.goto('/images');
  await page.getByRole('tab', { name: 'Upload a file' }).focus();
  // The tabs follow the arrow keys, as a tab list does.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'From a URL' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  const byUrl = page.getByRole('form', { name: 'Add an image from a URL' });
  await byUrl.getByLabel('Image URL').fill(`${IMAGES}/images/nothing-here.raw`);
  await byUrl.getByRole('button', { name: 'Add from URL' }).click();
  await expect(byUrl.getByRole('alert')).toHaveText(
    `Could not add the image from ${IMAGES}/images/nothing-here.raw: ${IMAGES}/images/nothing-here.raw answered HTTP 404`,
  );

  await byUrl.getByLabel('Image URL').fill(`${IMAGES}/images/labos-1.0-root.img`);
  await byUrl.getByLabel('Name').fill('e2e-mismatch.img');
  await byUrl.getByLabel('Expected SHA-256').fill('f'.repeat(64));
  await byUrl.getByRole('button', { name: 'Add from URL' }).click();
  await expect(byUrl.getByRole('alert')).toContainText(
    `Checksum mismatch: expected SHA-256 ${'f'.repeat(64)}`,
  );
  await expect(row(page, 'e2e-mismatch.img')).toHaveCount(0);

  await page.getByRole('tab', { name: 'From a path on the console host' }).click();
  const byPath = page.getByRole('form', { name: 'Add an image from a path on the console host' });
  await byPath.getByLabel('Path on the console host').fill('relative/disk.raw');
  await byPath.getByRole('button', { name: 'Add from path' }).click();
  await expect(byPath.getByLabel('Path on the console host')).toHaveAccessibleDescription(
    /an absolute path on the console host/,
  );
});

test('an image a node points at cannot be deleted; the dialog names the node', async ({
  page,
  request,
}) => {
  const node = `e2e-image-user-${randomBytes(2).toString('hex')}`;
  const created = await request.post(`${IRONIC}/v1/nodes`, {
    data: { name: node, driver: 'fake-hardware' },
  });
  expect(created.status(), await created.text()).toBe(201);
  try {
    // What `baremetal node set --instance-info image_source=…` sends.
    const patched = await request.patch(`${IRONIC}/v1/nodes/${node}`, {
      data: [
        {
          op: 'add',
          path: '/instance_info/image_source',
          value: `${IMAGES}/images/labos-1.0-disk.qcow2`,
        },
      ],
    });
    expect(patched.status(), await patched.text()).toBe(200);
    await page.goto('/images');
    const qcow2 = row(page, 'labos-1.0-disk.qcow2');
    await expect(qcow2.getByRole('link', { name: node })).toBeVisible();
    await qcow2.getByRole('button', { name: 'Delete labos-1.0-disk.qcow2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete labos-1.0-disk.qcow2' });
    await expect(dialog.getByRole('alert')).toContainText(
      `The instance_info.image_source of ${node} (enroll) points at it.`,
    );
    await expect(
      dialog.getByRole('button', { name: 'Delete labos-1.0-disk.qcow2' }),
    ).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(qcow2).toBeVisible();
  } finally {
    const deleted = await request.delete(`${IRONIC}/v1/nodes/${node}`);
    expect(deleted.status(), await deleted.text()).toBe(204);
  }
});
