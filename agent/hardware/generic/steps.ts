import type { StepDefinition } from '../manager';

const clean = (
  step: string,
  priority: number,
  iface: 'deploy' | 'raid' = 'deploy',
): StepDefinition => ({
  step,
  priority,
  interface: iface,
  reboot_requested: false,
  abortable: true,
});

export const RAID_APPLY_CONFIGURATION_ARGSINFO = {
  raid_config: { description: 'The RAID configuration to apply.', required: true },
  delete_existing: {
    description:
      "Setting this to 'True' indicates to delete existing RAID configuration prior to " +
      "creating the new configuration. Default value is 'True'.",
    required: false,
  },
};

export const WRITE_IMAGE_ARGSINFO = {
  image_info: { description: 'Information about the image to write (image_info).', required: true },
  configdrive: { description: 'The config drive to write after the image.', required: false },
};

/** IPA's generic clean steps (research/ipa.md §5.1), in IPA's order. */
export const GENERIC_CLEAN_STEPS: readonly StepDefinition[] = [
  clean('erase_devices', 10),
  clean('erase_devices_metadata', 99),
  clean('erase_devices_express', 0),
  clean('erase_pstore', 0),
  clean('delete_configuration', 0, 'raid'),
  clean('create_configuration', 0, 'raid'),
  clean('burnin_cpu', 0),
  clean('burnin_disk', 0),
  clean('burnin_memory', 0),
  clean('burnin_network', 0),
];

/** Deploy steps carry no `abortable` key in IPA. */
export function genericDeploySteps(withWriteImage: boolean): StepDefinition[] {
  return [
    { step: 'erase_devices_metadata', priority: 0, interface: 'deploy', reboot_requested: false },
    {
      step: 'apply_configuration',
      priority: 0,
      interface: 'raid',
      reboot_requested: false,
      argsinfo: RAID_APPLY_CONFIGURATION_ARGSINFO,
    },
    ...(withWriteImage
      ? [
          {
            // Proxied from Ironic's out-of-band write_image step; the priority here is unused.
            step: 'write_image',
            priority: 0,
            interface: 'deploy',
            reboot_requested: false,
            argsinfo: WRITE_IMAGE_ARGSINFO,
          } satisfies StepDefinition,
        ]
      : []),
  ];
}

/** Service steps: never the erase steps or the disk burn-in (they would destroy the instance). */
export function genericServiceSteps(withWriteImage: boolean): StepDefinition[] {
  return [
    clean('delete_configuration', 0, 'raid'),
    {
      step: 'apply_configuration',
      priority: 0,
      interface: 'raid',
      reboot_requested: false,
      argsinfo: RAID_APPLY_CONFIGURATION_ARGSINFO,
    },
    clean('create_configuration', 0, 'raid'),
    clean('burnin_cpu', 0),
    clean('burnin_memory', 0),
    clean('burnin_network', 0),
    ...(withWriteImage
      ? [
          {
            step: 'write_image',
            priority: 0,
            interface: 'deploy',
            reboot_requested: false,
            argsinfo: WRITE_IMAGE_ARGSINFO,
          } satisfies StepDefinition,
        ]
      : []),
  ];
}
