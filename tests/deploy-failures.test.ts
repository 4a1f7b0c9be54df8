import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type LoopbackServer,
  loopbackServer,
  serveBytes,
} from '../agent/image/testing/loopback-server';
import { testDiskImage } from '../agent/image/testing/test-images';
import { DeployLab, type LabNode, diskSha256, sha256 } from './support/deploy-lab';

// Deploys that go wrong end as Ironic ends them: `deploy failed` with the agent's reason in
// last_error (prefixed with the failed step), and a disk that will not boot half an image.
let lab: DeployLab;
const servers: LoopbackServer[] = [];
beforeAll(async () => {
  lab = await DeployLab.start('deploy-fail');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await lab?.stop();
});

const MiB = 1024 * 1024;
const image = testDiskImage(16);

function rawImage(url: string, hash = sha256(image)) {
  return {
    image_source: url,
    image_disk_format: 'raw',
    image_os_hash_algo: 'sha256',
    image_os_hash_value: hash,
  };
}

async function serve(handler: Parameters<typeof loopbackServer>[0]): Promise<LoopbackServer> {
  const server = await loopbackServer(handler);
  servers.push(server);
  return server;
}

function expectWriteImageFailure(node: LabNode, lastError: unknown, reason: RegExp): void {
  expect(String(lastError)).toMatch(
    new RegExp(`^Deploy step deploy\\.write_image failed on node ${node.uuid}\\. `),
  );
  expect(String(lastError)).toMatch(reason);
}

/** The partition table is gone: firmware finds nothing to boot on the disk. */
function expectNotBootable(node: LabNode): void {
  expect(node.machine.diskLayout('sda').table).toBeNull();
  expect(node.machine.bootableDisk()).toBeUndefined();
}

describe('deploy failures', { timeout: 60_000 }, () => {
  it('wrong checksum: retried, then deploy failed with the checksum error; the disk is not left bootable', async () => {
    const server = await serve(serveBytes(image));
    const node = lab.addNode('bad-sum', rawImage(`${server.url}/disk.raw`, 'ab'.repeat(32)));
    const done = await lab.deploy(node);
    expect(done.provision_state).toBe('deploy failed');
    expectWriteImageFailure(node, done.last_error, /checksum/i);
    expect(String(done.last_error)).toContain(sha256(image));
    // IPA re-downloads a mismatching image (a cut transfer looks the same) before giving up.
    expect(server.requests.filter((r) => r.method === 'GET').length).toBe(10);
    expectNotBootable(node);
  });

  it('404: no retry, deploy failed naming the status', async () => {
    const server = await serve((_req, res) => res.writeHead(404).end('no such image'));
    const node = lab.addNode('missing', rawImage(`${server.url}/gone.raw`));
    const done = await lab.deploy(node);
    expect(done.provision_state).toBe('deploy failed');
    expectWriteImageFailure(node, done.last_error, /404/);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('500 then OK: the agent retries and the deploy reaches active with the image on disk', async () => {
    const server = await serve(serveBytes(image, { failFirst: 2, failStatus: 500 }));
    const node = lab.addNode('flaky', rawImage(`${server.url}/disk.raw`));
    const done = await lab.deploy(node);
    expect(done).toMatchObject({ provision_state: 'active', last_error: null });
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    // Past the GPT headers that `sgdisk -e` rewrites, the disk holds the image.
    expect(diskSha256(node, 1024, image.length - 1024)).toBe(sha256(image.subarray(1024)));
  });

  it('disk failure mid-write: deploy failed with the I/O error', async () => {
    const dying: { node?: LabNode } = {};
    const big = testDiskImage(48);
    const server = await serve((req, res: ServerResponse) => {
      res.writeHead(200, {
        'content-length': big.length,
        'content-type': 'application/octet-stream',
      });
      // The disk dies once the agent has started writing.
      res.write(big.subarray(0, 16 * MiB), () => {
        lab.fleet.injectFault(dying.node!.machineId, { kind: 'disk-failure', disk: 'sda' });
        res.end(big.subarray(16 * MiB));
      });
    });
    const node = (dying.node = lab.addNode(
      'dying-disk',
      rawImage(`${server.url}/disk.raw`, sha256(big)),
    ));
    const done = await lab.deploy(node);
    expect(done.provision_state).toBe('deploy failed');
    expectWriteImageFailure(
      node,
      done.last_error,
      /Writing image to device \/dev\/sda failed: .*Input\/output error/,
    );
    expect(node.serial()).toMatch(/blk_update_request: I\/O error, dev sda/);
    // A write error is not a download error: nothing is fetched again.
    expect(server.requests).toHaveLength(1);
  });
});
