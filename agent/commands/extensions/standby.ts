import { HardwareManagerMethodNotFound } from '../../hardware/dispatch';
import type { CommandContext, Extension } from '../extension';
import type { AgentServices } from '../services';

/**
 * `standby` commands that need no image machinery: sync, partition UUIDs, reboot and power off.
 * (prepare_image and execute_bootc_install come with the image handling.)
 */
export function standbyExtension(services: AgentServices): Extension {
  return {
    name: 'standby',
    commands: {
      sync: {
        mode: 'sync',
        params: [],
        run: async (_params, ctx) => {
          await fullSync(services, ctx);
          return null;
        },
      },
      get_partition_uuids: {
        mode: 'sync',
        params: [],
        run: () => ({ ...services.partitionUuids }),
      },
      run_image: {
        mode: 'async',
        params: [],
        run: (_params, ctx) => shutdown(services, ctx, 'reboot'),
      },
      power_off: {
        mode: 'async',
        params: [],
        run: (_params, ctx) => shutdown(services, ctx, 'poweroff'),
      },
    },
  };
}

/** `full_sync` on all managers; plain `sync` when no manager offers it. */
async function fullSync(services: AgentServices, ctx: CommandContext): Promise<void> {
  try {
    await services.hardware.dispatchAll('full_sync', { node: null, ports: [], kwargs: {}, ctx });
    return;
  } catch (err) {
    if (!(err instanceof HardwareManagerMethodNotFound)) throw err;
  }
  const out = await services.host.run('sync', [], { signal: ctx.signal, timeoutMs: 600_000 });
  if (out.exitCode !== 0) throw new Error(`sync failed: ${out.stderr.trim()}`);
}

/**
 * IPA's `_run_shutdown_command`: write the clock to the RTC, flush disks, then ask the OS;
 * if it refuses, the kernel's sysrq trigger does it.
 */
async function shutdown(
  services: AgentServices,
  ctx: CommandContext,
  command: 'reboot' | 'poweroff',
): Promise<null> {
  const { host } = services;
  await host
    .run('hwclock', ['-v', '--systohc'], { signal: ctx.signal, timeoutMs: 60_000 })
    .catch((err: unknown) =>
      ctx.logger.warn({ err: String(err) }, 'cannot set the hardware clock'),
    );
  await fullSync(services, ctx);
  let refused: string | null = null;
  try {
    const out = await host.run(command, [], { signal: ctx.signal, timeoutMs: 60_000 });
    if (out.exitCode !== 0) refused = out.stderr.trim() || `exit code ${out.exitCode}`;
    else if (/ignoring request/i.test(out.stderr)) refused = out.stderr.trim();
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    refused = String(err);
  }
  if (refused !== null) {
    ctx.logger.warn({ refused }, `${command} refused; using /proc/sysrq-trigger`);
    await host.writeFile('/proc/sysrq-trigger', command === 'reboot' ? 'b' : 'o');
  }
  return null;
}
