import { HostError } from '../../host';
import { BlockDeviceEraseError } from '../errors';
import type { ManagerEnv } from '../manager';
import type { BlockDevice } from './block-devices';

const FORMAT_SUPPORTED = 0b10; // OACS bit 1: Format NVM
const CRYPTO_ERASE_SUPPORTED = 0b100; // FNA bit 2: cryptographic erase

export function isNvme(dev: BlockDevice): boolean {
  return dev.name.startsWith('/dev/nvme');
}

/**
 * IPA's NVMe secure erase: `nvme id-ctrl -o json` must report Format NVM (OACS bit 1); the
 * format uses cryptographic erase (ses=2) when FNA bit 2 says so, else user-data erase (ses=1).
 * Resolves with the ses used; throws BlockDeviceEraseError naming the device otherwise.
 */
export async function nvmeSecureErase(env: ManagerEnv, dev: BlockDevice): Promise<1 | 2> {
  let text: string;
  try {
    const out = await env.host.run('nvme', ['id-ctrl', dev.name, '-o', 'json'], {
      signal: env.signal,
      timeoutMs: 120_000,
    });
    if (out.exitCode !== 0) {
      throw new BlockDeviceEraseError(
        `Failed to fetch NVMe capabilities for device ${dev.name}: ${out.stderr.trim() || `exit code ${out.exitCode}`}`,
      );
    }
    text = out.stdout;
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      throw new BlockDeviceEraseError(
        `Failed to fetch NVMe capabilities for device ${dev.name}: nvme-cli (nvme) is not installed`,
      );
    }
    throw err;
  }
  let info: { oacs?: unknown; fna?: unknown } | null;
  try {
    info = JSON.parse(text) as { oacs?: unknown; fna?: unknown } | null;
  } catch {
    info = null;
  }
  if (!info || typeof info !== 'object') {
    throw new BlockDeviceEraseError(
      `nvme-cli did not return any information for device: ${dev.name}`,
    );
  }
  const oacs = Number(info.oacs ?? 0);
  if (!(oacs & FORMAT_SUPPORTED)) {
    throw new BlockDeviceEraseError(
      `nvme-cli did not return any supported format modes for device: ${dev.name}`,
    );
  }
  const ses = Number(info.fna ?? 0) & CRYPTO_ERASE_SUPPORTED ? 2 : 1;
  env.logger.info({ device: dev.name, ses }, 'starting NVMe secure format');
  const out = await env.host.run('nvme', ['format', dev.name, '-s', String(ses), '-f'], {
    signal: env.signal,
  });
  if (out.exitCode !== 0) {
    throw new BlockDeviceEraseError(
      `Failed to nvme format device ${dev.name}: ${out.stderr.trim() || `exit code ${out.exitCode}`}`,
    );
  }
  return ses;
}
