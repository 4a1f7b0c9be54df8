import { z } from 'zod';

/** DMTF Redfish values Ironic's redfish driver and sushy use. */
export const RESET_TYPES = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'Nmi',
  'ForceOn',
  'PushPowerButton',
  'PowerCycle',
] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const REDFISH_POWER_STATES = ['On', 'Off', 'PoweringOn', 'PoweringOff'] as const;
export type RedfishPowerState = (typeof REDFISH_POWER_STATES)[number];

export const BOOT_SOURCE_TARGETS = [
  'None',
  'Pxe',
  'Cd',
  'Usb',
  'Hdd',
  'BiosSetup',
  'UefiHttp',
] as const;
export type BootSourceTarget = (typeof BOOT_SOURCE_TARGETS)[number];

export const BOOT_OVERRIDE_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootOverrideEnabled = (typeof BOOT_OVERRIDE_ENABLED)[number];

export const BOOT_MODES = ['Legacy', 'UEFI'] as const;
export type BootMode = (typeof BOOT_MODES)[number];

export const resetActionSchema = z.object({ ResetType: z.enum(RESET_TYPES) });

export const systemPatchSchema = z
  .object({
    Boot: z
      .object({
        BootSourceOverrideTarget: z.enum(BOOT_SOURCE_TARGETS).optional(),
        BootSourceOverrideEnabled: z.enum(BOOT_OVERRIDE_ENABLED).optional(),
        BootSourceOverrideMode: z.enum(BOOT_MODES).optional(),
      })
      .strict()
      .optional(),
    AssetTag: z.string().optional(),
  })
  .strict();
export type SystemPatch = z.infer<typeof systemPatchSchema>;
