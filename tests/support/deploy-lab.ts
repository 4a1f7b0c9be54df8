import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conductor, type NodeView } from '../../conductor';
import { ImageService } from '../../images';
import { ScaledClock } from '../../lib';
import { Fleet, type Machine } from '../../simulator';

/**
 * What a deploy needs, on loopback with nothing mocked: the embedded conductor, the simulator
 * (the real agent on its fake OS) and the image service with its samples. One scaled clock
 * drives all three, so POSTs, heartbeats and reboots take milliseconds of wall time.
 */
export class DeployLab {
  private constructor(
    readonly conductor: Conductor,
    readonly fleet: Fleet,
    readonly images: ImageService,
    private readonly dataDir: string | null,
  ) {}

  /** Deploys through parts someone else started (and stops), e.g. the console's lab. */
  static attach(parts: { conductor: Conductor; fleet: Fleet; images: ImageService }): DeployLab {
    return new DeployLab(parts.conductor, parts.fleet, parts.images, null);
  }

  static async start(name: string, speed = 200): Promise<DeployLab> {
    const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
    const clock = new ScaledClock(speed);
    const conductor = new Conductor({
      dataDir: join(dataDir, 'conductor'),
      listen: { host: '127.0.0.1', port: 0 },
      clock,
      powerSyncIntervalMs: 3_600_000,
      // As labs often run Ironic: undeploy's cleaning wipes metadata, not every byte.
      cleanStepPriorityOverride: { 'deploy.erase_devices': 0 },
    });
    const images = new ImageService({ dataDir: join(dataDir, 'images'), clock });
    await Promise.all([conductor.start(), images.start()]);
    const fleet = new Fleet({
      apiUrl: conductor.apiUrl,
      redfish: { host: '127.0.0.1', port: 0 },
      clock,
    });
    await fleet.start();
    return new DeployLab(conductor, fleet, images, dataDir);
  }

  async stop(): Promise<void> {
    if (this.dataDir === null) return;
    await this.fleet.stop();
    await Promise.all([this.conductor.stop(), this.images.stop()]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A simulated machine enrolled as an `available` node with these instance_info fields. */
  addNode(name: string, instanceInfo: Record<string, unknown>, profile = 'small-vm'): LabNode {
    const snapshot = this.fleet.addMachine({ profile, name });
    let serial = '';
    this.fleet.serial(snapshot.id).subscribe((chunk) => (serial += chunk));
    const node = this.conductor.createNode({
      ...this.fleet.enrollment(snapshot.id),
      instance_info: instanceInfo,
      provision_state: 'available',
    });
    return {
      uuid: node.uuid,
      machineId: snapshot.id,
      machine: this.fleet.machine(snapshot.id)!,
      serial: () => serial,
    };
  }

  /** Requests a deploy and waits until the node settles in `active` or `deploy failed`. */
  async deploy(
    node: LabNode,
    extra: { configdrive?: string } = {},
    timeoutMs = 60_000,
  ): Promise<NodeView> {
    this.conductor.setProvisionState(node.uuid, 'active', extra);
    return this.waitFor(
      node,
      // Ironic keeps target `active` on a failed deploy.
      (n) =>
        (n.provision_state === 'active' && n.target_provision_state === null) ||
        n.provision_state === 'deploy failed',
      timeoutMs,
    );
  }

  /** Polls the conductor (loopback, a few ms apart) until `predicate` holds. */
  async waitFor(
    node: LabNode,
    predicate: (n: NodeView) => boolean,
    timeoutMs = 60_000,
  ): Promise<NodeView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = this.conductor.getNode(node.uuid);
      if (view && predicate(view)) return view;
      if (Date.now() > deadline) {
        throw new Error(
          `node ${node.uuid} did not reach the condition: ${JSON.stringify(view)}\nserial:\n${node.serial().slice(-4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits for the machine's console to print `pattern` (the installed OS booting, say). */
  async waitForSerial(node: LabNode, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(node.serial())) {
      if (Date.now() > deadline) {
        throw new Error(`serial never matched ${pattern}:\n${node.serial().slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return node.serial();
  }
}

export interface LabNode {
  uuid: string;
  machineId: string;
  machine: Machine;
  /** Everything the machine's serial console printed since it was added. */
  serial(): string;
}

/** sha256 of `length` bytes of the node's first disk from `offset`, read in 8 MiB pieces. */
export function diskSha256(node: LabNode, offset: number, length: number): string {
  const disk = node.machine.disks[0]!.data;
  const hash = createHash('sha256');
  for (let at = 0; at < length; at += 8 << 20) {
    hash.update(disk.read(offset + at, Math.min(8 << 20, length - at)));
  }
  return hash.digest('hex');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
