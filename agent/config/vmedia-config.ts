import { type Host, HostError } from '../host';
import { findByLabel, withMounted } from './vmedia-params';

/**
 * Configuration files on the boot media (research/ipa.md §10.3): when booted from virtual media,
 * IPA takes `etc/ironic-python-agent/` and `etc/ironic-python-agent.d/` from the device
 * labelled `config-2` or `vmedia_boot_iso` (the label Ironic gives the ISOs it builds), so an
 * ISO can carry agent settings that do not fit a kernel command line. IPA copies them to /etc
 * and oslo reads them; here they are read in place, the main directory first, then the `.d`
 * files in name order, each as one more config file.
 */
export const CONFIG_MEDIA_LABELS = ['config-2', 'vmedia_boot_iso'] as const;
export const CONFIG_MEDIA_DIRS = ['etc/ironic-python-agent', 'etc/ironic-python-agent.d'] as const;
export const CONFIG_MEDIA_MOUNT_POINT = '/run/ironic-python-agent/vmedia-config';

export interface VmediaConfigFile {
  /** Where it is on the media, e.g. `etc/ironic-python-agent.d/ironic.conf`. */
  path: string;
  text: string;
}

export interface VmediaConfig {
  files: VmediaConfigFile[];
  device: string | null;
  notes: string[];
}

/** The `*.conf` files of the boot media; never throws (no media, no files). */
export async function readVmediaConfig(host: Host): Promise<VmediaConfig> {
  const notes: string[] = [];
  try {
    const device = await findByLabel(host, notes, CONFIG_MEDIA_LABELS);
    if (!device) return { files: [], device: null, notes };
    const files = await withMounted(host, device, CONFIG_MEDIA_MOUNT_POINT, async (root) => {
      const found: VmediaConfigFile[] = [];
      for (const dir of CONFIG_MEDIA_DIRS) {
        for (const name of (await listOptional(host, `${root}/${dir}`)).sort()) {
          if (!name.endsWith('.conf')) continue;
          found.push({
            path: `${dir}/${name}`,
            text: await host.readFile(`${root}/${dir}/${name}`),
          });
        }
      }
      return found;
    });
    return { files, device, notes };
  } catch (err) {
    notes.push(
      `configuration on virtual media not read: ${err instanceof Error ? err.message : String(err)}`,
    );
    return { files: [], device: null, notes };
  }
}

async function listOptional(host: Host, path: string): Promise<string[]> {
  try {
    return await host.listDir(path);
  } catch (err) {
    if (err instanceof HostError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return [];
    throw err;
  }
}
