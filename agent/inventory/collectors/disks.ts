import type { Disk } from '../../../protocol';
import { runChecked } from '../../host';
import {
  type LsblkDevice,
  parseLsblk,
  parseUdevProperties,
  selectInventoryDisks,
} from '../parsers';
import {
  type CollectorContext,
  basename,
  listOptional,
  readLinkOptional,
  readTrimmed,
  runOptional,
} from './context';

export const LSBLK_ARGS = [
  '-bia',
  '--json',
  '--list',
  '-oKNAME,MODEL,SIZE,ROTA,TYPE,UUID,PARTUUID,SERIAL,WWN,LOG-SEC,PHY-SEC,TRAN',
] as const;

/** Block devices as IPA lists them (research/ipa.md §6 `disks`). */
export async function collectDisks(ctx: CollectorContext): Promise<Disk[]> {
  // Let udev finish creating device nodes and links first; harmless where udev is absent.
  await runOptional(ctx, 'udevadm', ['settle'], 30_000);
  const json = await runChecked(ctx.host, 'lsblk', LSBLK_ARGS, {
    timeoutMs: 60_000,
    signal: ctx.signal,
  });
  const devices = selectInventoryDisks(parseLsblk(json));
  const byPath = await byPathLinks(ctx);
  const disks: Disk[] = [];
  for (const dev of devices) disks.push(await describeDisk(ctx, dev, byPath));
  return disks;
}

async function describeDisk(
  ctx: CollectorContext,
  dev: LsblkDevice,
  byPath: Map<string, string>,
): Promise<Disk> {
  const udevText = await runOptional(ctx, 'udevadm', [
    'info',
    '--query=property',
    `--name=/dev/${dev.kname}`,
  ]);
  const udev = udevText ? parseUdevProperties(udevText) : {};
  const dm = dev.kname.startsWith('dm-');
  const pick = (...keys: string[]) => keys.map((k) => udev[k]).find((v) => v) ?? null;
  const hctl = (await listOptional(ctx, `/sys/block/${dev.kname}/device/scsi_device`))[0] ?? null;
  return {
    name: `/dev/${dev.kname}`,
    model: dev.model,
    size: dev.size,
    rotational: dev.rotational,
    wwn: dev.wwn ?? (dm ? pick('DM_WWN') : pick('ID_WWN')),
    serial: dev.serial ?? (dm ? pick('DM_SERIAL') : pick('ID_SERIAL_SHORT', 'ID_SERIAL')),
    vendor: await readTrimmed(ctx, `/sys/class/block/${dev.kname}/device/vendor`),
    wwn_with_extension: pick(dm ? 'DM_WWN_WITH_EXTENSION' : 'ID_WWN_WITH_EXTENSION'),
    wwn_vendor_extension: pick(dm ? 'DM_WWN_VENDOR_EXTENSION' : 'ID_WWN_VENDOR_EXTENSION'),
    hctl,
    by_path: byPath.get(dev.kname) ?? null,
    logical_sectors: dev.logicalSectors,
    physical_sectors: dev.physicalSectors,
    tran: dev.tran,
  };
}

/** kname → `/dev/disk/by-path/<link>`, the first link pointing at each whole device. */
async function byPathLinks(ctx: CollectorContext): Promise<Map<string, string>> {
  const dir = '/dev/disk/by-path';
  const out = new Map<string, string>();
  for (const name of (await listOptional(ctx, dir)).sort()) {
    const target = await readLinkOptional(ctx, `${dir}/${name}`);
    if (!target) continue;
    const kname = basename(target);
    if (!out.has(kname)) out.set(kname, `${dir}/${name}`);
  }
  return out;
}
