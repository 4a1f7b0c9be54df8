import { z } from 'zod';

/** The WSME-style error body IPA (and Ironic) answer with. */
export const faultSchema = z.object({
  faultcode: z.enum(['Client', 'Server']),
  faultstring: z.string(),
  debuginfo: z.string().nullable().optional(),
});
export type Fault = z.infer<typeof faultSchema>;

export function fault(status: number, faultstring: string): Fault {
  return { faultcode: status < 500 ? 'Client' : 'Server', faultstring };
}
