import type { EfiBootEntry, Machine } from '../../machine';
import { type CommandHandler, fail, ok } from './types';

/** efibootmgr 17 over the machine's UEFI NVRAM (Boot#### entries, BootOrder, BootNext). */
export const efibootmgr: CommandHandler = ({ machine, disks, vfs }, args) => {
  if (args.includes('--version') || args.includes('-V')) return ok('version 17\n');
  if (!vfs.exists('/sys/firmware/efi')) {
    return fail(2, 'EFI variables are not supported on this system.');
  }
  const value = (flag: string, long: string) => {
    const i = args.findIndex((a) => a === flag || a === long);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const verbose = args.includes('-v') || args.includes('--verbose');
  const bootnum = value('-b', '--bootnum');
  if (args.includes('-B') || args.includes('--delete-bootnum')) {
    const n = bootnum === undefined ? NaN : parseInt(bootnum, 16);
    if (!machine.efiBootEntries.delete(n))
      return fail(5, `Could not delete variable: No such file or directory`);
    machine.efiBootOrder = machine.efiBootOrder.filter((x) => x !== n);
    machine.touch();
  } else if (args.includes('-c') || args.includes('--create')) {
    const diskPath = value('-d', '--disk') ?? '/dev/sda';
    const partNumber = Number(value('-p', '--part') ?? '1');
    const label = value('-L', '--label') ?? 'Linux';
    const loader = value('-l', '--loader') ?? '\\EFI\\BOOT\\BOOTX64.EFI';
    const diskName = diskPath.replace(/^\/dev\//, '');
    const part = disks.layout(diskName).partitions.find((p) => p.number === partNumber);
    if (!part)
      return fail(2, `efibootmgr: Could not prepare Boot variable: No such file or directory`);
    let n = 0;
    while (machine.efiBootEntries.has(n)) n++;
    const sector =
      machine.disks.find((d) => d.spec.name === diskName)?.spec.logicalSectorSize ?? 512;
    const entry: EfiBootEntry = {
      number: n,
      label,
      devicePath: `HD(${partNumber},GPT,${part.uuid},0x${(part.startBytes / sector).toString(16)},0x${(part.sizeBytes / sector).toString(16)})/File(${loader})`,
      partUuid: part.uuid,
      loader,
      active: true,
    };
    machine.efiBootEntries.set(n, entry);
    machine.efiBootOrder = [n, ...machine.efiBootOrder.filter((x) => x !== n)];
    machine.touch();
  } else if (value('-o', '--bootorder') !== undefined) {
    const order = value('-o', '--bootorder')!
      .split(',')
      .map((x) => parseInt(x, 16));
    if (order.some((x) => !machine.efiBootEntries.has(x)))
      return fail(22, 'efibootmgr: Invalid BootOrder order entry value');
    machine.efiBootOrder = order;
    machine.touch();
  }
  return ok(render(machine, verbose || args.includes('-c')));
};

function render(machine: Machine, verbose: boolean): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const lines = [
    `BootCurrent: ${hex(machine.efiBootOrder[0] ?? 0)}`,
    'Timeout: 1 seconds',
    `BootOrder: ${machine.efiBootOrder.map(hex).join(',')}`,
    ...[...machine.efiBootEntries.values()]
      .sort((a, b) => a.number - b.number)
      .map(
        (e) =>
          `Boot${hex(e.number)}${e.active ? '*' : ' '} ${e.label}${verbose ? `\t${e.devicePath}` : ''}`,
      ),
  ];
  return `${lines.join('\n')}\n`;
}
