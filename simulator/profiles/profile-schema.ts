import { z } from 'zod';
import type { MachineProfile } from './profile';

/**
 * User machine types as JSON (`npm run sim -- --profile-file types.json`), checked field by
 * field so a typo names the profile and the path that is wrong.
 */
const timings = z
  .object({
    postMs: z.number().int().min(0).max(3_600_000),
    netbootMs: z.number().int().min(0).max(3_600_000),
    diskBootMs: z.number().int().min(0).max(3_600_000),
    shutdownMs: z.number().int().min(0).max(3_600_000),
    cycleOffMs: z.number().int().min(0).max(3_600_000),
  })
  .strict();

const hexId = z.string().regex(/^0x[0-9a-f]{4}$/, 'a PCI id like 0x8086');

export const profileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
    description: z.string().default(''),
    system: z
      .object({
        manufacturer: z.string().min(1),
        productName: z.string().min(1),
        serialPrefix: z.string().max(12).default(''),
        skuNumber: z.string().default('Not Specified'),
        family: z.string().default('Not Specified'),
        biosVendor: z.string().min(1),
        biosVersion: z.string().min(1),
        biosDate: z.string().regex(/^\d{2}\/\d{2}\/\d{4}$/, 'MM/DD/YYYY'),
        chassisType: z
          .enum(['Rack Mount Chassis', 'Other', 'Desktop'])
          .default('Rack Mount Chassis'),
      })
      .strict(),
    cpu: z
      .object({
        architecture: z.enum(['x86_64', 'aarch64']).default('x86_64'),
        vendorId: z.string().default('GenuineIntel'),
        modelName: z.string().min(1),
        family: z.number().int().default(6),
        model: z.number().int().default(85),
        stepping: z.number().int().default(7),
        sockets: z.number().int().min(1).max(16),
        coresPerSocket: z.number().int().min(1).max(512),
        threadsPerCore: z.number().int().min(1).max(8),
        mhz: z.number().positive(),
        maxMhz: z.number().min(0).default(0),
        minMhz: z.number().min(0).default(0),
        flags: z
          .array(z.string())
          .default([
            'fpu',
            'vme',
            'de',
            'pse',
            'tsc',
            'msr',
            'pae',
            'mce',
            'cx8',
            'apic',
            'sep',
            'lm',
            'sse',
            'sse2',
            'ssse3',
            'sse4_1',
            'sse4_2',
            'avx',
            'avx2',
          ]),
      })
      .strict(),
    memoryMiB: z
      .number()
      .int()
      .min(256)
      .max(64 * 1024 * 1024),
    disks: z
      .array(
        z
          .object({
            count: z.number().int().min(1).max(128),
            kind: z.enum(['hdd', 'ssd', 'nvme']),
            transport: z.enum(['sata', 'sas', 'nvme', 'virtio']),
            sizeBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
            model: z.string().min(1),
            vendor: z.string().default('ATA'),
            wwnPrefix: z.string().nullable().default(null),
            logicalSectorSize: z.union([z.literal(512), z.literal(4096)]).default(512),
            physicalSectorSize: z.union([z.literal(512), z.literal(4096)]).default(4096),
            throughputBps: z.number().positive().default(500_000_000),
            serialPrefix: z.string().max(16).default(''),
            serialLength: z.number().int().min(1).max(20).default(8),
          })
          .strict()
          .refine(
            (d) => (d.kind === 'nvme') === (d.transport === 'nvme'),
            'NVMe disks (and only they) use the nvme transport',
          ),
      )
      .min(0)
      .max(32),
    nics: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9]{1,14}$/, 'a kernel interface name'),
            speedMbps: z.number().int().min(-1),
            vendorId: hexId,
            deviceId: hexId,
            driver: z.string().min(1),
            pciAddress: z.string().regex(/^(0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|virtio\d+)$/),
            connected: z.boolean().default(true),
          })
          .strict(),
      )
      .min(1)
      .max(16),
    hasIpmiDevice: z.boolean().default(true),
    bootMode: z.enum(['UEFI', 'Legacy']).default('UEFI'),
    timings: timings.default({
      postMs: 30_000,
      netbootMs: 15_000,
      diskBootMs: 20_000,
      shutdownMs: 5_000,
      cycleOffMs: 5_000,
    }),
  })
  .strict();

const profileListSchema = z.array(profileSchema);
const profileFileObjectSchema = z.object({ profiles: profileListSchema }).strict();

/** Parses a JSON document holding one profile list (or `{profiles: [...]}`). */
export function parseProfiles(json: string): MachineProfile[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(
      `profile file is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // Two accepted shapes, checked one at a time so an error names the exact path.
  const result = Array.isArray(data)
    ? profileListSchema.safeParse(data)
    : profileFileObjectSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`profile file: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const list = Array.isArray(result.data) ? result.data : result.data.profiles;
  const names = new Set<string>();
  for (const p of list) {
    if (names.has(p.name)) throw new Error(`profile file: profile "${p.name}" is defined twice`);
    names.add(p.name);
    const nicNames = new Set(p.nics.map((n) => n.name));
    if (nicNames.size !== p.nics.length)
      throw new Error(`profile file: ${p.name}: NIC names must be unique`);
  }
  return list;
}
