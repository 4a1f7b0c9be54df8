import { expect, test } from '@playwright/test';

// Typing into demo-01's serial console: the agent ramdisk's getty on ttyS0 answers, and only
// one tab at a time may type.
test('the serial console takes typed input from its one writer; a watcher can take over', async ({
  browser,
}) => {
  const first = await browser.newPage();
  await first.goto('/machines/demo-01/console');
  await expect(first.getByRole('status').filter({ hasText: /^Connected/ })).toBeVisible();
  await expect(first.getByTestId('serial-writer')).toHaveText('read-only · nobody is typing');
  await first.getByRole('button', { name: 'Type', exact: true }).click();
  await expect(first.getByTestId('serial-writer')).toHaveText('you are typing');

  const screen = first.getByTestId('serial-console').locator('.xterm-rows');
  await expect(screen).toContainText('ironic-python-agent');
  await first.getByTestId('serial-console').click();
  await first.keyboard.type('operator7');
  await expect(screen).toContainText('operator7');
  await first.keyboard.press('Enter');
  await expect(screen).toContainText('Password:');
  await first.screenshot({ path: 'e2e/screenshots/serial-input.png' });

  // A second tab watches, sees who types, and takes the keyboard over explicitly.
  const second = await browser.newPage();
  await second.goto('/machines/demo-01/console');
  await expect(second.getByTestId('serial-writer')).toHaveText(
    /^browser tab [0-9a-f]{4} is typing · read-only$/,
  );
  const takeOver = second.getByRole('button', { name: 'Take over', exact: true });
  await takeOver.click();
  await second.getByRole('button', { name: /^Confirm: take over from browser tab/ }).click();
  await expect(second.getByTestId('serial-writer')).toHaveText('you are typing');
  await expect(first.getByTestId('serial-writer')).toHaveText(
    /^browser tab [0-9a-f]{4} is typing · read-only$/,
  );

  // Disconnecting stops the stream; connecting again resumes it.
  await first.getByRole('button', { name: 'Disconnect', exact: true }).click();
  await expect(first.getByRole('status').filter({ hasText: /^Disconnected/ })).toBeVisible();
  await first.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(first.getByRole('status').filter({ hasText: /^Connected/ })).toBeVisible();
  await expect(screen).toContainText('operator7');

  const download = first.waitForEvent('download');
  await first.getByRole('button', { name: 'Download log' }).click();
  expect((await download).suggestedFilename()).toBe('demo-01-console.log');
  await second.close();
  await first.close();
});
