import type { Extension } from '../extension';
import type { AgentServices } from '../services';

/** `system.lockdown`: stop the API, then bring every NIC down so the node goes dark. */
export function systemExtension(services: AgentServices): Extension {
  return {
    name: 'system',
    commands: {
      lockdown: {
        mode: 'sync',
        params: [],
        run: () => {
          services.stopServingApi('lockdown');
          return null;
        },
      },
    },
  };
}

/** Brings every interface in /sys/class/net except `lo` down (after the API has answered). */
export async function bringInterfacesDown(
  services: Pick<AgentServices, 'host'>,
): Promise<string[]> {
  const { host } = services;
  let names: string[] = [];
  try {
    names = (await host.listDir('/sys/class/net')).filter((n) => n !== 'lo');
  } catch {
    return [];
  }
  for (const name of names) {
    await host
      .run('ip', ['link', 'set', name, 'down'], { timeoutMs: 10_000 })
      .catch(() => undefined);
  }
  return names;
}
