import type { NicSpec } from '../machine';

export interface RamdiskParams {
  apiUrl: string;
  /** NIC the firmware booted from; becomes BOOTIF so the agent knows its PXE interface. */
  bootNic: NicSpec | null;
  /** `vmedia` when booted from virtual media, as Ironic's ISO says. */
  bootMethod?: 'vmedia';
  /** Extra parameters (ipa-debug=1, ipa-agent-token=…). */
  extra?: Readonly<Record<string, string>>;
}

/** The kernel command line Ironic's PXE/vmedia templates give the IPA ramdisk, for our fleet. */
export function ramdiskCmdline(params: RamdiskParams): string {
  const api = params.apiUrl.replace(/\/+$/, '');
  const parts = [
    'BOOT_IMAGE=/ironic-python-agent.kernel',
    'nofb',
    'nomodeset',
    'systemd.journald.forward_to_console=yes',
    `ipa-api-url=${api}`,
    `ipa-inspection-callback-url=${api}/v1/continue_inspection`,
    'ipa-listen-host=127.0.0.1',
    'ipa-listen-port=0',
    'ipa-advertise-host=127.0.0.1',
  ];
  if (params.bootNic) parts.push(`BOOTIF=01-${params.bootNic.mac.replace(/:/g, '-')}`);
  if (params.bootMethod) parts.push(`boot_method=${params.bootMethod}`);
  for (const [key, value] of Object.entries(params.extra ?? {})) parts.push(`${key}=${value}`);
  parts.push('console=ttyS0,115200n8');
  return parts.join(' ');
}
