import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFatFile } from '../lib/disk';
import { DeployLab, diskSha256, type LabNode, sha256 } from './support/deploy-lab';

// Ironic's direct deploy end to end on loopback: the embedded conductor deploys the image
// service's samples onto simulated machines through the real agent, and each machine then boots
// what was written.
let lab: DeployLab;
beforeAll(async () => {
  lab = await DeployLab.start('deploy-sim');
});
afterAll(async () => {
  await lab?.stop();
});

const MiB = 1024 * 1024;
const SECTOR = 512;

function sample(id: string): Buffer {
  return readFileSync(lab.images.filePath(id)!);
}

/** The written OS boots from disk: LabOS's banner and a login prompt on the serial console. */
async function bootsLabOs(node: LabNode, variant: string): Promise<void> {
  const serial = await lab.waitForSerial(node, /login: $/);
  const boot = serial.slice(serial.lastIndexOf('Booting from Hard Disk'));
  expect(boot).toContain(`Welcome to LabOS 1.0 (${variant})!`);
  expect(boot).toMatch(
    /Linux version 6\.1\.0 \(root=UUID=[0-9A-F]{4}-[0-9A-F]{4} on \/dev\/sda\d\)/,
  );
  expect(lab.fleet.get(node.machineId)).toMatchObject({ power: 'On', os: 'disk' });
}

describe('deploying the sample images onto simulated machines', { timeout: 60_000 }, () => {
  it('raw whole-disk: the disk holds the image (only the GPT headers moved), LabOS boots; undeploy wipes it', async () => {
    const node = lab.addNode('raw-0', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    const done = await lab.deploy(node);
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });
    const image = sample('labos-1.0-disk.raw');
    // `sgdisk -e` rewrites the protective MBR and primary header; all else is the image's.
    expect(diskSha256(node, 2 * SECTOR, image.length - 2 * SECTOR)).toBe(
      sha256(image.subarray(2 * SECTOR)),
    );
    const layout = node.machine.diskLayout('sda');
    expect(layout.partitions.map((p) => p.fs?.label)).toEqual(['EFI', 'labos-root']);
    await bootsLabOs(node, 'disk');

    // Undeploy cleans (erase_devices_metadata) back to available: nothing bootable is left.
    lab.conductor.setProvisionState(node.uuid, 'deleted');
    const undeployed = await lab.waitFor(node, (n) => n.provision_state === 'available');
    expect(undeployed).toMatchObject({ last_error: null, instance_info: {} });
    expect(node.machine.diskLayout('sda').table).toBeNull();
    expect(node.machine.bootableDisk()).toBeUndefined();
  });

  it('qcow2: written as the raw disk it describes, LabOS boots', async () => {
    const node = lab.addNode('qcow2-0', { ...lab.images.instanceInfo('labos-1.0-disk.qcow2') });
    const done = await lab.deploy(node);
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });
    // The fake OS has no qemu-img: the agent converts while streaming, with no temporary copy.
    expect(node.serial()).toMatch(/image written and verified .*method=qcow2-stream/);
    const raw = sample('labos-1.0-disk.raw');
    expect(diskSha256(node, 2 * SECTOR, raw.length - 2 * SECTOR)).toBe(
      sha256(raw.subarray(2 * SECTOR)),
    );
    await bootsLabOs(node, 'disk');
  });

  it("partition: IPA's layout, the image in the root partition, the loader registered in NVRAM", async () => {
    const node = lab.addNode('part-0', {
      ...lab.images.instanceInfo('labos-1.0-root.img'),
      root_gb: 1,
    });
    const done = await lab.deploy(node);
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });
    const layout = node.machine.diskLayout('sda');
    expect(layout.table).toBe('gpt');
    expect(layout.partitions.map((p) => [p.name, p.startBytes, p.sizeBytes])).toEqual([
      ['efi-part', MiB, 550 * MiB],
      ['root', 551 * MiB, 1024 * MiB],
    ]);
    const root = layout.partitions[1]!;
    const image = sample('labos-1.0-root.img');
    expect(diskSha256(node, root.startBytes, image.length)).toBe(sha256(image));
    // The conductor learnt the root file system's UUID from the agent.
    expect(done.driver_internal_info.root_uuid_or_disk_id).toBe(root.fs?.uuid);
    const disk = node.machine.disks[0]!.data;
    const read = (o: number, n: number) => Promise.resolve(disk.read(o, n));
    const loader = await readFatFile(read, MiB, 'EFI/BOOT/BOOTX64.EFI');
    expect(Buffer.from(loader ?? []).toString()).toMatch(/^MZ /);
    await bootsLabOs(node, 'partition');
    expect(node.serial()).toContain("Booting `ironic1' (\\EFI\\BOOT\\BOOTX64.EFI)");
    expect(node.serial()).toContain(`root=UUID=${root.fs?.uuid} on /dev/sda2`);
  });
});
