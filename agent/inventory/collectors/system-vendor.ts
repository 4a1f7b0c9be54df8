import type { SystemVendor } from '../../../protocol';
import { type CollectorContext, readTrimmed, runOptional } from './context';

const DMI = '/sys/class/dmi/id';

/** [sysfs file, dmidecode -s keyword] per field; sysfs first because it needs no tool. */
const FIELDS = {
  product_name: ['product_name', 'system-product-name'],
  serial_number: ['product_serial', 'system-serial-number'],
  manufacturer: ['sys_vendor', 'system-manufacturer'],
  firmware_vendor: ['bios_vendor', 'bios-vendor'],
  firmware_version: ['bios_version', 'bios-version'],
  firmware_date: ['bios_date', 'bios-release-date'],
} as const;

/** SMBIOS system and firmware identity; empty strings when unknown, as IPA sends them. */
export async function collectSystemVendor(ctx: CollectorContext): Promise<SystemVendor> {
  const values: Record<string, string> = {};
  let dmidecodeMissing = false;
  for (const [field, [file, keyword]] of Object.entries(FIELDS)) {
    let value = await readTrimmed(ctx, `${DMI}/${file}`);
    if (value === null && !dmidecodeMissing) {
      const out = await runOptional(ctx, 'dmidecode', ['-s', keyword]);
      if (out === null) dmidecodeMissing = true;
      value = out ? firstMeaningfulLine(out) : null;
    }
    values[field] = value ?? '';
  }
  return {
    product_name: values.product_name ?? '',
    serial_number: values.serial_number ?? '',
    manufacturer: values.manufacturer ?? '',
    firmware: {
      vendor: values.firmware_vendor ?? '',
      version: values.firmware_version ?? '',
      build_date: values.firmware_date ?? '',
    },
  };
}

function firstMeaningfulLine(text: string): string | null {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return line ?? null;
}
