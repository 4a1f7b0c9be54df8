import type { Inventory } from '../../protocol';
import { defaultRootDisk } from '../_lib/root-disk';
import type { StepChoice } from './clean-step-choices';

/**
 * What an operator should read before a destructive action: what it erases, on which disks, and
 * anything that will make the conductor refuse it or the run fail. Checks with level `block`
 * mirror the conductor's own validation, so the form can say so before anything is sent.
 */
export interface Preflight {
  erases: string[];
  checks: { level: 'ok' | 'warn' | 'block'; message: string }[];
}

export interface PreflightNode {
  uuid: string;
  name: string | null;
  provision_state: string;
  maintenance: boolean;
  properties: Record<string, unknown>;
  instance_info?: Record<string, unknown>;
  driver_internal_info: Record<string, unknown>;
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes >= 1e11 ? 0 : 1)} GB`;

function disksLine(inventory: Inventory | null): string {
  if (!inventory || inventory.disks.length === 0) return 'every disk the agent finds';
  return inventory.disks
    .map((d) => `${d.name} (${gb(d.size)}${d.model ? `, ${d.model}` : ''})`)
    .join(', ');
}

/** The disk a deploy writes: the one the root device hints name, else IPA's default guess. */
function rootDisk(node: PreflightNode, inventory: Inventory | null) {
  if (!inventory) return null;
  const hints = node.properties.root_device;
  if (hints && typeof hints === 'object') {
    const h = hints as Record<string, unknown>;
    const match = inventory.disks.find(
      (d) =>
        (typeof h.name === 'string' && (d.name === h.name || d.name.endsWith(`/${h.name}`))) ||
        (typeof h.serial === 'string' && d.serial === h.serial) ||
        (typeof h.wwn === 'string' && d.wwn === h.wwn),
    );
    if (match) return match;
  }
  const name = defaultRootDisk(inventory.disks);
  return inventory.disks.find((d) => d.name === name) ?? null;
}

function agentCheck(node: PreflightNode): Preflight['checks'][number] {
  const url = node.driver_internal_info.agent_url;
  return typeof url === 'string' && url !== ''
    ? { level: 'ok', message: 'The agent is running: no reboot into the ramdisk is needed' }
    : { level: 'ok', message: 'The machine will boot the agent ramdisk first' };
}

export function cleanPreflight(
  node: PreflightNode,
  inventory: Inventory | null,
  chosen: readonly StepChoice[],
): Preflight {
  const disks = disksLine(inventory);
  const erases = chosen
    .filter((step) => step.erases)
    .map((step) => `${step.interface}.${step.step}: ${step.erases} — ${disks}`);
  const checks: Preflight['checks'] = [];
  if (node.provision_state !== 'manageable') {
    checks.push({
      level: 'block',
      message: `Manual cleaning starts from "manageable", not "${node.provision_state}"`,
    });
  }
  if (chosen.length === 0) checks.push({ level: 'block', message: 'Choose at least one step' });
  if (chosen.some((step) => !step.reserved)) checks.push(agentCheck(node));
  if (chosen.some((step) => !step.abortable)) {
    checks.push({ level: 'warn', message: 'Some steps cannot be aborted once started' });
  }
  if (erases.length === 0 && chosen.length > 0) {
    checks.push({ level: 'ok', message: 'None of the chosen steps erases data' });
  }
  return { erases, checks };
}

export function deployPreflight(
  node: PreflightNode,
  inventory: Inventory | null,
  image: { id: string; virtual_size: number; image_type: string } | null,
): Preflight {
  const checks: Preflight['checks'] = [];
  const erases: string[] = [];
  if (!['available', 'deploy failed'].includes(node.provision_state)) {
    checks.push({
      level: 'block',
      message: `Deploying starts from "available" (or "deploy failed"), not "${node.provision_state}"`,
    });
  }
  if (node.maintenance) {
    checks.push({
      level: 'block',
      message: 'The machine is in maintenance; the conductor refuses to deploy it',
    });
  }
  if (!image) checks.push({ level: 'block', message: 'Choose an image' });
  const disk = rootDisk(node, inventory);
  if (disk) {
    erases.push(
      `${disk.name} (${gb(disk.size)}${disk.model ? `, ${disk.model}` : ''}): overwritten by the image`,
    );
    if (image && image.virtual_size > disk.size) {
      checks.push({
        level: 'block',
        message: `${image.id} needs ${gb(image.virtual_size)}; ${disk.name} holds ${gb(disk.size)}`,
      });
    } else if (image) {
      checks.push({
        level: 'ok',
        message: `${image.id} (${gb(image.virtual_size)}) fits on ${disk.name}`,
      });
    }
  } else {
    erases.push('the root disk the agent chooses (the machine has no inventory yet)');
    checks.push({
      level: 'warn',
      message: 'Never inspected: the image size cannot be checked against the disk',
    });
  }
  if (image?.image_type === 'partition' && node.instance_info?.root_gb === undefined) {
    checks.push({
      level: 'warn',
      message:
        'A partition image needs instance_info.root_gb; the console sets it to the image size, rounded up to GiB',
    });
  }
  checks.push(agentCheck(node));
  return { erases, checks };
}

export function undeployPreflight(
  node: PreflightNode,
  inventory: Inventory | null,
  automated: readonly StepChoice[],
): Preflight {
  const checks: Preflight['checks'] = [];
  const source = node.instance_info?.image_source;
  const erases = [
    `the deployed instance${typeof source === 'string' ? ` (${source.split('/').pop()})` : ''}`,
    ...automated
      .filter((step) => step.erases)
      .map(
        (step) =>
          `automated cleaning, ${step.interface}.${step.step}: ${step.erases} — ${disksLine(inventory)}`,
      ),
  ];
  if (!['active', 'deploy failed', 'error', 'wait call-back'].includes(node.provision_state)) {
    checks.push({ level: 'block', message: `Nothing to undeploy in "${node.provision_state}"` });
  }
  checks.push({ level: 'ok', message: 'The machine returns to "available" after cleaning' });
  return { erases, checks };
}
