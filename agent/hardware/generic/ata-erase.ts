import { HostError } from '../../host';
import { BlockDeviceEraseError } from '../errors';
import type { ManagerEnv } from '../manager';
import type { BlockDevice } from './block-devices';

/**
 * The `Security:` block of `hdparm -I`, one state per line with tabs as spaces
 * (`supported`, `not enabled`, `not locked`, `not frozen`, `not supported: enhanced erase` …).
 * Empty when the drive reports no security feature set.
 */
export function parseSecurityLines(hdparmOutput: string): string[] {
  const marker = hdparmOutput.search(/\nSecurity: *\n/);
  if (marker < 0) return [];
  const after = hdparmOutput
    .slice(marker + 1)
    .split('\n')
    .slice(1);
  const lines: string[] = [];
  for (const line of after) {
    if (!line.startsWith('\t')) break;
    lines.push(line.trim().replace(/\t/g, ' '));
  }
  return lines;
}

/** `hdparm -I`; null when hdparm is missing or cannot identify the drive (not ATA). */
async function securityLines(env: ManagerEnv, dev: BlockDevice): Promise<string[] | null> {
  try {
    const out = await env.host.run('hdparm', ['-I', dev.name], {
      signal: env.signal,
      timeoutMs: 120_000,
    });
    if (out.exitCode !== 0) {
      env.logger.info(
        { device: dev.name, stderr: out.stderr.trim().slice(0, 300) },
        'hdparm cannot identify the device; no ATA secure erase',
      );
      return null;
    }
    return parseSecurityLines(out.stdout);
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      env.logger.warn({ device: dev.name }, 'hdparm is not installed; no ATA secure erase');
      return null;
    }
    throw err;
  }
}

/**
 * Whether direct ATA commands reach the drive (IPA's smartctl check): `smartctl -d ata <dev>
 * -g security` must succeed (exit 0, or 127) without "Unavailable". A missing smartctl is
 * tolerated, as in IPA.
 */
async function smartctlAllowsAta(env: ManagerEnv, dev: BlockDevice): Promise<boolean> {
  try {
    const out = await env.host.run('smartctl', ['-d', 'ata', dev.name, '-g', 'security'], {
      signal: env.signal,
      timeoutMs: 120_000,
    });
    if (out.exitCode !== 0 && out.exitCode !== 127) {
      env.logger.warn(
        { device: dev.name, exitCode: out.exitCode },
        'refusing ATA secure erase: direct ATA commands through smartctl do not succeed',
      );
      return false;
    }
    if (out.stdout.includes('Unavailable')) {
      env.logger.info({ device: dev.name }, 'smartctl reports ATA security as unavailable');
      return false;
    }
    return true;
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') return true;
    throw err;
  }
}

async function hdparm(env: ManagerEnv, args: string[]): Promise<{ ok: boolean; detail: string }> {
  const out = await env.host.run('hdparm', args, { signal: env.signal });
  return {
    ok: out.exitCode === 0,
    detail: out.stderr.trim() || out.stdout.trim() || `exit code ${out.exitCode}`,
  };
}

/**
 * IPA's ATA secure erase (research/ipa.md §5.2 step 4). Resolves false when the drive does not
 * support it (the caller then overwrites), true once erased; throws BlockDeviceEraseError when
 * it is supported but cannot be done (frozen, password set, erase failed).
 */
export async function ataSecureErase(env: ManagerEnv, dev: BlockDevice): Promise<boolean> {
  let lines = await securityLines(env, dev);
  if (lines === null) return false;
  if (!(await smartctlAllowsAta(env, dev)) || !lines.includes('supported')) return false;

  if (!lines.includes('not frozen')) {
    throw new BlockDeviceEraseError(`Block device ${dev.name} is frozen and cannot be erased`);
  }
  lines = await unlock(env, dev, lines);
  if (!lines.includes('not locked')) {
    throw new BlockDeviceEraseError(`Block device ${dev.name} already has a security password set`);
  }
  if (lines.includes('not enabled')) {
    const set = await hdparm(env, ['--user-master', 'u', '--security-set-pass', 'NULL', dev.name]);
    if (!set.ok) {
      throw new BlockDeviceEraseError(
        `Security password set failed for device ${dev.name}: ${set.detail}`,
      );
    }
  }
  const option = lines.includes('not supported: enhanced erase')
    ? '--security-erase'
    : '--security-erase-enhanced';
  env.logger.info({ device: dev.name, option }, 'starting ATA secure erase');
  const erase = await hdparm(env, ['--user-master', 'u', option, 'NULL', dev.name]);
  if (!erase.ok) {
    // Leave the drive unlocked so that a shred fallback can still write to it.
    await unlock(env, dev);
    throw new BlockDeviceEraseError(`Erase failed for device ${dev.name}: ${erase.detail}`);
  }
  const after = (await securityLines(env, dev)) ?? [];
  if (!after.includes('not enabled')) {
    throw new BlockDeviceEraseError(
      `An unknown error occurred erasing block device ${dev.name}: security is still enabled`,
    );
  }
  return true;
}

/** A drive locked by an earlier failed attempt: try the passwords IPA sets ("NULL", then ""). */
async function unlock(env: ManagerEnv, dev: BlockDevice, lines?: string[]): Promise<string[]> {
  let current = lines ?? (await securityLines(env, dev)) ?? [];
  for (const password of ['NULL', '']) {
    if (current.includes('not locked')) break;
    const res = await hdparm(env, ['--user-master', 'u', '--security-unlock', password, dev.name]);
    if (!res.ok) {
      env.logger.info({ device: dev.name, detail: res.detail }, 'security unlock failed');
    }
    current = (await securityLines(env, dev)) ?? [];
  }
  return current;
}
