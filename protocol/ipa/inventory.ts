import { z } from 'zod';

/** The inventory IPA's `list_hardware_info` returns (research/ipa.md §6), field for field. */
export const cpuSchema = z.object({
  model_name: z.string().nullable(),
  frequency: z.string().nullable(),
  count: z.number().int().nullable(),
  architecture: z.string().nullable(),
  flags: z.array(z.string()),
  socket_count: z.number().int().nullable(),
});

export const memorySchema = z.object({
  total: z.number().nullable(),
  physical_mb: z.number().nullable(),
});

export const diskSchema = z.object({
  name: z.string(),
  model: z.string().nullable(),
  size: z.number(),
  rotational: z.boolean(),
  wwn: z.string().nullable(),
  serial: z.string().nullable(),
  vendor: z.string().nullable(),
  wwn_with_extension: z.string().nullable(),
  wwn_vendor_extension: z.string().nullable(),
  hctl: z.string().nullable(),
  by_path: z.string().nullable(),
  logical_sectors: z.number().int().nullable(),
  physical_sectors: z.number().int().nullable(),
  tran: z.string().nullable(),
});

export const interfaceSchema = z.object({
  name: z.string(),
  mac_address: z.string(),
  ipv4_address: z.string().nullable(),
  ipv6_address: z.string().nullable(),
  has_carrier: z.boolean(),
  lldp: z.array(z.tuple([z.number(), z.string()])).nullable(),
  vendor: z.string().nullable(),
  product: z.string().nullable(),
  client_id: z.string().nullable(),
  biosdevname: z.string().nullable(),
  speed_mbps: z.number().nullable(),
  pci_address: z.string().nullable(),
  driver: z.string().nullable(),
});

export const systemVendorSchema = z.object({
  product_name: z.string(),
  serial_number: z.string(),
  manufacturer: z.string(),
  firmware: z.object({ vendor: z.string(), version: z.string(), build_date: z.string() }),
});

export const bootInfoSchema = z.object({
  current_boot_mode: z.enum(['uefi', 'bios']),
  pxe_interface: z.string().nullable(),
});

export const inventorySchema = z.object({
  interfaces: z.array(interfaceSchema),
  cpu: cpuSchema,
  disks: z.array(diskSchema),
  memory: memorySchema,
  bmc_address: z.string().nullable(),
  bmc_v6address: z.string().nullable(),
  system_vendor: systemVendorSchema,
  boot: bootInfoSchema,
  hostname: z.string(),
  bmc_mac: z.string().optional(),
});

export type Cpu = z.infer<typeof cpuSchema>;
export type Memory = z.infer<typeof memorySchema>;
export type Disk = z.infer<typeof diskSchema>;
export type NetworkInterface = z.infer<typeof interfaceSchema>;
export type SystemVendor = z.infer<typeof systemVendorSchema>;
export type BootInfo = z.infer<typeof bootInfoSchema>;
export type Inventory = z.infer<typeof inventorySchema>;
