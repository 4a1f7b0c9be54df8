import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab } from '../app/_server/lab';
import { createLogger } from '../lib';
import { DeployLab } from './support/deploy-lab';

// What `npm start` runs: the console's lab brings its own image service, and a node deploys a
// sample from it to active.
let dataDir: string;
let lab: Lab;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'console-lab-deploy-'));
  lab = new Lab(
    {
      HOST: '127.0.0.1',
      IRONIC_PORT: 0,
      REDFISH_PORT: 0,
      IMAGES_PORT: 0,
      DATA_DIR: dataDir,
      DEMO_MACHINES: 0,
      SIM_SPEED: 200,
      HEARTBEAT_TIMEOUT_S: 300,
      ERASE_DEVICES_PRIORITY: 0,
    },
    { logger: createLogger({ name: 'console-lab-deploy', level: 'silent' }) },
  );
  await lab.start();
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("deploys a sample from the lab's image service to active", { timeout: 60_000 }, async () => {
  const samples = lab.images.list().filter((image) => image.source === 'sample');
  expect(samples.map((s) => [s.id, s.disk_format, s.image_type]).sort()).toEqual([
    ['labos-1.0-disk.qcow2', 'qcow2', 'whole-disk'],
    ['labos-1.0-disk.raw', 'raw', 'whole-disk'],
    ['labos-1.0-root.img', 'raw', 'partition'],
  ]);
  expect(lab.info().imagesUrl).toBe(lab.images.url);

  const deploy = DeployLab.attach(lab);
  const node = deploy.addNode('lab-deploy-0', {
    ...lab.images.instanceInfo('labos-1.0-disk.qcow2'),
  });
  const done = await deploy.deploy(node);
  expect(done).toMatchObject({ provision_state: 'active', last_error: null });
  expect(done.instance_info.image_source).toBe(`${lab.images.url}/images/labos-1.0-disk.qcow2`);
  await deploy.waitForSerial(node, /Welcome to LabOS 1\.0 \(disk\)![\s\S]*login: $/);
});
