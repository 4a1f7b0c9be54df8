import { HardwareManagerMethodNotFound } from '../../hardware/dispatch';
import { osInstallDevice } from '../../image/install-device';
import { validateImageInfo } from '../../image/image-info';
import { writeImage } from '../../image/write-image';
import type { CommandContext, CommandParams, Extension } from '../extension';
import type { AgentServices } from '../services';

/**
 * `standby`: prepare_image (the image write of research/ipa.md §8), sync, partition UUIDs,
 * reboot and power off. (execute_bootc_install is not offered: no container runtime.)
 */
export function standbyExtension(services: AgentServices): Extension {
  return {
    name: 'standby',
    commands: {
      prepare_image: {
        mode: 'async',
        params: ['image_info', 'configdrive'],
        validate: (params) =>
          validateImageInfo(params.image_info, { md5Enabled: md5Enabled(services) }),
        run: (params, ctx) => prepareImage(services, params, ctx),
      },
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

/**
 * IPA's `prepare_image`: the install device from the hardware managers, the image written and
 * verified, the UUIDs recorded for `get_partition_uuids`; answers IPA's sentence, which the
 * executor prefixes with the command name.
 */
async function prepareImage(
  services: AgentServices,
  params: CommandParams,
  ctx: CommandContext,
): Promise<string> {
  const imageInfo = params.image_info;
  validateImageInfo(imageInfo, { md5Enabled: md5Enabled(services) });
  const device = await osInstallDevice(services, ctx);
  const configdrive = params.configdrive ?? imageInfo.configdrive ?? null;
  const result = await writeImage(services.host, imageInfo, {
    device,
    configdrive,
    signal: ctx.signal,
    config: services.config,
    lookupConfig: services.lookupConfig,
    logger: ctx.logger,
    onProgress: ({ phase: _phase, ...progress }) => ctx.reportProgress(progress),
  });
  const uuids = services.partitionUuids;
  for (const key of Object.keys(uuids)) delete uuids[key];
  Object.assign(uuids, result.partitionUuids);
  return result.message;
}

function md5Enabled(services: AgentServices): boolean {
  return services.lookupConfig?.agent_md5_checksum_enable ?? services.config.md5_enabled;
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
