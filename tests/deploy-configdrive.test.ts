import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployLab, diskSha256, type LabNode, sha256 } from './support/deploy-lab';

// The config drive as Ironic hands it to the agent, read back from the simulated disk the way
// cloud-init finds it: the partition whose file system is labelled config-2.
let lab: DeployLab;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'configdrive-'));
  lab = await DeployLab.start('deploy-cd');
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const META = { uuid: '6f1b2a4c-0d3e-4f5a-9b8c-7d6e5f4a3b2c', hostname: 'web-1', name: 'web-1' };
const USER_DATA = '#cloud-config\nruncmd:\n  - echo deployed by the lab\n';

function configDrivePartition(node: LabNode) {
  const parts = node.machine
    .diskLayout('sda')
    .partitions.filter((p) => p.fs?.label?.toLowerCase() === 'config-2');
  expect(parts).toHaveLength(1);
  return parts[0]!;
}

/** The ISO Ironic builds from meta_data and user_data (genisoimage -J -r -V config-2). */
function configDriveIso(): Buffer {
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'openstack/latest'), { recursive: true });
  writeFileSync(join(tree, 'openstack/latest/meta_data.json'), JSON.stringify(META));
  writeFileSync(join(tree, 'openstack/latest/user_data'), USER_DATA);
  const iso = join(dir, 'cd.iso');
  const r = spawnSync(
    'xorriso',
    ['-as', 'mkisofs', '-quiet', '-J', '-r', '-V', 'config-2', '-o', iso, tree],
    { encoding: 'utf8' },
  );
  // .ci/run installs xorriso; without it this test fails rather than skips.
  expect(r.error, 'xorriso is needed to build the config drive ISO').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(iso);
}

/** A file out of an ISO 9660 image, read by xorriso as another machine would mount it. */
function isoFile(image: Buffer, path: string): string {
  const file = join(dir, 'read.iso');
  writeFileSync(file, image);
  const out = join(dir, 'extracted');
  rmSync(out, { force: true });
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', path, out], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

describe('config drive', { timeout: 60_000 }, () => {
  it('gzipped, base64 ISO with a whole-disk image: a new config-2 partition at the disk end', async () => {
    const iso = configDriveIso();
    const node = lab.addNode('cd-iso', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    const done = await lab.deploy(node, { configdrive: gzipSync(iso).toString('base64') });
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });
    // Never shown back: it may hold secrets.
    expect(done.instance_info.configdrive).toBe('******');

    const cd = configDrivePartition(node);
    expect(cd.fs?.type).toBe('iso9660');
    expect(cd.number).toBe(3);
    const disk = node.machine.disks[0]!;
    expect(cd.startBytes + cd.sizeBytes).toBeGreaterThan(disk.spec.sizeBytes - 128 * 1024 * 1024);
    expect(diskSha256(node, cd.startBytes, iso.length)).toBe(sha256(iso));
    const onDisk = Buffer.from(disk.data.read(cd.startBytes, iso.length));
    expect(JSON.parse(isoFile(onDisk, '/openstack/latest/meta_data.json'))).toEqual(META);
    expect(isoFile(onDisk, '/openstack/latest/user_data')).toBe(USER_DATA);
    await lab.waitForSerial(node, /Welcome to LabOS 1\.0 \(disk\)![\s\S]*login: $/);
  });

  it("as JSON with a partition image: built by the conductor into an ISO in IPA's config-2 partition", async () => {
    const node = lab.addNode('cd-json', {
      ...lab.images.instanceInfo('labos-1.0-root.img'),
      root_gb: 1,
      configdrive: { meta_data: META, user_data: USER_DATA },
    });
    const done = await lab.deploy(node);
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });

    const layout = node.machine.diskLayout('sda');
    expect(layout.partitions.map((p) => p.name)).toEqual(['efi-part', 'configdrive', 'root']);
    // As Ironic's get_configdrive_image: JSON becomes a config-2 ISO before the agent sees it.
    const cd = configDrivePartition(node);
    expect(cd.fs?.type).toBe('iso9660');
    const image = Buffer.from(node.machine.disks[0]!.data.read(cd.startBytes, cd.sizeBytes));
    expect(JSON.parse(isoFile(image, '/openstack/latest/meta_data.json'))).toEqual(META);
    expect(isoFile(image, '/openstack/latest/user_data')).toBe(USER_DATA);
    expect(isoFile(image, '/openstack/2012-08-10/user_data')).toBe(USER_DATA);
    // The config drive is not mistaken for the system: LabOS boots from the root partition.
    await lab.waitForSerial(node, /Welcome to LabOS 1\.0 \(partition\)![\s\S]*login: $/);
  });
});
