import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployLab } from './support/deploy-lab';

// Where the embedded conductor's deploy once differed from Ironic's, with the simulator and the
// real agent: the UEFI bootloader for whole-disk images, and config drives given as JSON.
let lab: DeployLab;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-parity-'));
  lab = await DeployLab.start('deploy-parity');
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A file out of an ISO 9660 image, read by xorriso (libisofs) as another machine would. */
function isoFile(image: Uint8Array, path: string): string {
  const file = join(dir, 'cd.iso');
  writeFileSync(file, image);
  const out = join(dir, 'extracted');
  rmSync(out, { force: true });
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', path, out], {
    encoding: 'utf8',
  });
  // .ci/run installs xorriso; without it this test fails rather than skips.
  expect(r.error, 'xorriso is needed to read the config drive').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

describe('deploy as Ironic does it', { timeout: 60_000 }, () => {
  it('UEFI whole-disk: prepare_instance_boot has the agent install the bootloader (NVRAM entry)', async () => {
    const node = lab.addNode('wd-uefi', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    const done = await lab.deploy(node);
    expect(done.provision_state).toBe('active');
    // Real Ironic sends standby.get_partition_uuids then image.install_bootloader for a
    // whole-disk image booting UEFI (tests/interop-ironic.test.ts records it).
    expect(node.serial()).toMatch(/async command started .*command=install_bootloader/);
    await lab.waitForSerial(node, /login: $/);
    expect(node.serial()).toContain("Booting `ironic1' (\\EFI\\BOOT\\BOOTX64.EFI)");
    expect(node.serial()).not.toContain('Booting the fallback loader');
  });

  it('configdrive given as JSON (API 1.56+) is built into a config-2 ISO on the disk', async () => {
    const node = lab.addNode('cd-api', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    const res = await fetch(`${lab.conductor.apiUrl}/v1/nodes/${node.uuid}/states/provision`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-openstack-ironic-api-version': '1.59' },
      body: JSON.stringify({
        target: 'active',
        configdrive: {
          meta_data: { hostname: 'web-1' },
          user_data: '#cloud-config\nruncmd: [echo hi]\n',
          network_data: { links: [{ id: 'eth0', type: 'phy' }] },
          vendor_data: { lab: true },
        },
      }),
    });
    expect(res.status, await res.text()).toBe(202);
    const done = await lab.waitFor(
      node,
      (n) => n.provision_state === 'active' || n.provision_state === 'deploy failed',
    );
    expect(done.last_error).toBeNull();
    expect(done.provision_state).toBe('active');
    expect(done.instance_info.configdrive).toBe('******');
    const cd = node.machine
      .diskLayout('sda')
      .partitions.find((p) => p.fs?.label?.toLowerCase() === 'config-2');
    expect(cd?.fs?.type).toBe('iso9660');
    const image = node.machine.disks[0]!.data.read(cd!.startBytes, cd!.sizeBytes);
    for (const version of ['latest', '2012-08-10']) {
      expect(JSON.parse(isoFile(image, `/openstack/${version}/meta_data.json`))).toEqual({
        hostname: 'web-1',
        uuid: node.uuid,
        name: 'cd-api',
      });
      expect(isoFile(image, `/openstack/${version}/user_data`)).toBe(
        '#cloud-config\nruncmd: [echo hi]\n',
      );
      expect(JSON.parse(isoFile(image, `/openstack/${version}/network_data.json`))).toEqual({
        links: [{ id: 'eth0', type: 'phy' }],
      });
      expect(JSON.parse(isoFile(image, `/openstack/${version}/vendor_data2.json`))).toEqual({
        lab: true,
      });
    }
  });
});
