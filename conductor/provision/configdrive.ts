import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { buildIso9660, type IsoFile } from '../../lib/disk';
import type { NodeRow } from '../db/schema';

/**
 * A config drive given as JSON (API 1.56; `vendor_data` 1.59), the shape Ironic's API accepts:
 * only these keys, each optional.
 */
export const configDriveJsonSchema = z
  .object({
    meta_data: z.record(z.string(), z.unknown()).optional(),
    network_data: z.record(z.string(), z.unknown()).optional(),
    user_data: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string(), z.null()])
      .optional(),
    vendor_data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type ConfigDriveJson = z.infer<typeof configDriveJsonSchema>;

// The metadata versions Ironic's builder (openstacksdk's configdrive.build) writes.
const VERSIONS = ['2012-08-10', 'latest'] as const;

/**
 * The config drive as the agent receives it (Ironic's `get_configdrive_image`): a URL or a
 * gzipped base64 ISO as given, or, for JSON, a `config-2` ISO built from it — `meta_data` with
 * the node's uuid and name by default, `user_data` (JSON dumped), `network_data.json` and
 * `vendor_data2.json` when given, under `openstack/2012-08-10/` and `openstack/latest/`.
 */
export function configDriveImage(node: NodeRow, now: Date): string | null {
  const cd = node.instanceInfo.configdrive;
  if (cd === undefined || cd === null || cd === '') return null;
  if (typeof cd === 'string') return cd;
  const parsed = configDriveJsonSchema.parse(cd);
  const meta = { ...(parsed.meta_data ?? {}) };
  meta.uuid ??= node.uuid;
  if (node.name) meta.name ??= node.name;
  const userData =
    parsed.user_data === undefined || parsed.user_data === null || parsed.user_data === ''
      ? null
      : typeof parsed.user_data === 'string'
        ? Buffer.from(parsed.user_data, 'utf8')
        : Buffer.from(JSON.stringify(parsed.user_data));
  const files: IsoFile[] = [];
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  for (const version of VERSIONS) {
    const dir = `openstack/${version}`;
    files.push({ path: `${dir}/meta_data.json`, data: json(meta) });
    if (nonEmpty(parsed.network_data)) {
      files.push({ path: `${dir}/network_data.json`, data: json(parsed.network_data) });
    }
    if (nonEmpty(parsed.vendor_data)) {
      files.push({ path: `${dir}/vendor_data2.json`, data: json(parsed.vendor_data) });
    }
    if (userData) files.push({ path: `${dir}/user_data`, data: userData });
  }
  const iso = buildIso9660({ volumeId: 'config-2', publisher: 'metalsmith', files, time: now });
  return gzipSync(iso).toString('base64');
}

// Python's truthiness, which decides whether Ironic writes the file.
function nonEmpty(v: Record<string, unknown> | undefined): v is Record<string, unknown> {
  return v !== undefined && Object.keys(v).length > 0;
}
