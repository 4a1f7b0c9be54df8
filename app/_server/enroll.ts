import { z } from 'zod';

/**
 * Enrolling a machine from its BMC's address, as `baremetal node create --driver redfish
 * --driver-info redfish_address=…`: the form's fields become the node's driver_info.
 */
const nodeName = z
  .string()
  .trim()
  .max(255)
  .regex(/^[A-Za-z0-9._~-]*$/, 'a name may hold letters, digits and . _ ~ - only')
  .optional();

const mac = z
  .string()
  .trim()
  .regex(/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i, 'a MAC address looks like 52:54:00:12:34:56');

export const bmcEnrollSchema = z
  .object({
    source: z.literal('bmc'),
    driver: z.enum(['redfish', 'ipmi'], { error: "driver must be 'redfish' or 'ipmi'" }),
    name: nodeName,
    address: z.string().trim().min(1, 'the BMC address is required').max(1024),
    username: z.string().max(255).default(''),
    password: z.string().max(255).default(''),
    /** Redfish: the system's path when the BMC manages several (`/redfish/v1/Systems/1`). */
    systemId: z.string().trim().max(1024).default(''),
    /** The machine's NICs, so its agent can look its node up before inspection. */
    macs: z.array(mac).max(64).default([]),
    manage: z.boolean().default(true),
  })
  .superRefine((input, ctx) => {
    if (input.driver === 'redfish') {
      let url: URL | null = null;
      try {
        url = new URL(input.address);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({
          code: 'custom',
          path: ['address'],
          message: 'a Redfish address is a URL, e.g. https://10.0.0.5 or http://bmc:8000',
        });
      }
      if (input.systemId !== '' && !input.systemId.startsWith('/redfish/v1/Systems/')) {
        ctx.addIssue({
          code: 'custom',
          path: ['systemId'],
          message: 'a system id is a path like /redfish/v1/Systems/1',
        });
      }
    } else if (!/^[A-Za-z0-9.:[\]-]+$/.test(input.address)) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: 'an IPMI address is a host name or an IP address, without a scheme',
      });
    }
  });

export type BmcEnroll = z.infer<typeof bmcEnrollSchema>;

export interface NodeCreateInput {
  name?: string;
  driver: string;
  driver_info: Record<string, unknown>;
  ports: { address: string }[];
}

/** The node the conductor should create: driver_info keys as Ironic's drivers name them. */
export function nodeFromBmc(input: BmcEnroll): NodeCreateInput {
  const driverInfo: Record<string, unknown> =
    input.driver === 'redfish'
      ? {
          redfish_address: input.address,
          redfish_username: input.username,
          redfish_password: input.password,
          ...(input.systemId ? { redfish_system_id: input.systemId } : {}),
        }
      : {
          ipmi_address: input.address,
          ipmi_username: input.username,
          ipmi_password: input.password,
        };
  return {
    ...(input.name ? { name: input.name } : {}),
    driver: input.driver,
    driver_info: driverInfo,
    ports: input.macs.map((address) => ({ address: address.toLowerCase().replaceAll('-', ':') })),
  };
}
