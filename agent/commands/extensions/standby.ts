import type { Extension } from '../extension';
import type { AgentServices } from '../services';

/** `standby` commands that need no image machinery (prepare_image & co come with images). */
export function standbyExtension(services: AgentServices): Extension {
  return {
    name: 'standby',
    commands: {
      sync: {
        mode: 'sync',
        params: [],
        run: async (_params, ctx) => {
          const out = await services.host.run('sync', [], {
            signal: ctx.signal,
            timeoutMs: 600_000,
          });
          if (out.exitCode !== 0) throw new Error(`sync failed: ${out.stderr.trim()}`);
          return null;
        },
      },
      get_partition_uuids: {
        mode: 'sync',
        params: [],
        run: () => ({ ...services.partitionUuids }),
      },
    },
  };
}
