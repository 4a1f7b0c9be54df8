import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { CommandExecutor } from '../commands/command-executor';
import { stepExtension } from '../commands/extensions/steps';
import { defaultAgentConfig } from '../config';
import { FakeHost } from '../testing/fake-host';
import { HardwareManagerMethodNotFound } from './dispatch';
import {
  HardwareManagerLoadError,
  HardwareManagerNotFound,
  IncompatibleHardwareMethodError,
} from './errors';
import type { HardwareManager, StepDefinition } from './manager';
import { ManagerDispatcher } from './manager-dispatcher';
import { HardwareSupport } from './support';

const logger = createLogger({ name: 'test', level: 'silent' });
const ctx = {
  signal: new AbortController().signal,
  logger,
  name: 'test',
  reportProgress: () => undefined,
};

const step = (
  name: string,
  priority: number,
  extra: Partial<StepDefinition> = {},
): StepDefinition => ({
  step: name,
  priority,
  interface: 'deploy',
  reboot_requested: false,
  abortable: true,
  ...extra,
});

function manager(
  name: string,
  support: number,
  overrides: Partial<HardwareManager> = {},
): HardwareManager {
  return {
    name,
    version: '1.0',
    className: name.replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase()),
    evaluateHardwareSupport: () => support,
    methods: {},
    ...overrides,
  };
}

const dispatcher = (managers: HardwareManager[]) =>
  new ManagerDispatcher({ host: new FakeHost(), config: defaultAgentConfig(), logger, managers });

describe('ManagerDispatcher', () => {
  it('orders managers by support, keeps config order on ties and drops NONE', async () => {
    const d = dispatcher([
      manager('first_generic', HardwareSupport.GENERIC),
      manager('vendor', HardwareSupport.SERVICE_PROVIDER),
      manager('absent', HardwareSupport.NONE),
      manager('second_generic', HardwareSupport.GENERIC),
      manager('mainline', HardwareSupport.MAINLINE),
    ]);
    await d.start();
    expect(d.managers.map((m) => [m.manager.name, m.support])).toEqual([
      ['vendor', 3],
      ['mainline', 2],
      ['first_generic', 1],
      ['second_generic', 1],
    ]);
    expect(d.versions()).toEqual({
      vendor: '1.0',
      mainline: '1.0',
      first_generic: '1.0',
      second_generic: '1.0',
    });
  });

  it('fails to start without a supporting manager, or with a bad support level', async () => {
    await expect(dispatcher([manager('none', 0)]).start()).rejects.toBeInstanceOf(
      HardwareManagerNotFound,
    );
    await expect(
      dispatcher([manager('odd', 1, { evaluateHardwareSupport: () => 1.5 })]).start(),
    ).rejects.toThrow(
      'hardware manager "odd": evaluateHardwareSupport must return a non-negative integer, got 1.5',
    );
    await expect(
      dispatcher([
        manager('boom', 1, {
          evaluateHardwareSupport: () => {
            throw new Error('no /sys here');
          },
        }),
      ]).start(),
    ).rejects.toThrow('hardware manager "boom": evaluateHardwareSupport failed: no /sys here');
    await expect(
      dispatcher([manager('same', 1), manager('same', 2)]).start(),
    ).rejects.toBeInstanceOf(HardwareManagerLoadError);
  });

  it('dispatches to the best manager and falls through on IncompatibleHardwareMethodError', async () => {
    const calls: string[] = [];
    const d = dispatcher([
      manager('generic', 1, {
        methods: {
          erase_block_device: (kw) => {
            calls.push(`generic:${String((kw.block_device as { name: string }).name)}`);
            return 'generic erased';
          },
        },
      }),
      manager('vendor', 3, {
        methods: {
          erase_block_device: (kw) => {
            const name = (kw.block_device as { name: string }).name;
            calls.push(`vendor:${name}`);
            if (name !== '/dev/magic0')
              throw new IncompatibleHardwareMethodError('not a MagicStore');
            return 'vendor erased';
          },
        },
      }),
    ]);
    const call = (name: string) =>
      d.dispatch('erase_block_device', {
        node: null,
        ports: [],
        kwargs: { block_device: { name } },
        ctx,
      });
    expect(await call('/dev/magic0')).toBe('vendor erased');
    expect(await call('/dev/sda')).toBe('generic erased');
    expect(calls).toEqual(['vendor:/dev/magic0', 'vendor:/dev/sda', 'generic:/dev/sda']);
  });

  it('stops at the first other error, and says why every manager declined', async () => {
    const d = dispatcher([
      manager('a', 2, {
        methods: {
          flash: () => {
            throw new Error('firmware image is corrupt');
          },
          only_incompatible: () => {
            throw new IncompatibleHardwareMethodError('wrong vendor');
          },
        },
      }),
      manager('b', 1, { methods: { flash: () => 'never reached' } }),
    ]);
    const call = (m: string) => d.dispatch(m, { node: null, ports: [], kwargs: {}, ctx });
    await expect(call('flash')).rejects.toThrow('firmware image is corrupt');
    const err = await call('only_incompatible').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HardwareManagerMethodNotFound);
    expect((err as HardwareManagerMethodNotFound).details).toBe(
      'Could not find method: only_incompatible (declined: a: wrong vendor)',
    );
    await expect(call('nobody_has_it')).rejects.toThrow(
      'No HardwareManager found to handle method',
    );
  });

  it('dispatches to all managers keyed by class name, skipping incompatible ones', async () => {
    const d = dispatcher([
      manager('generic_hardware_manager', 1, {
        className: 'GenericHardwareManager',
        methods: { full_sync: () => undefined },
      }),
      manager('vendor', 3, {
        className: 'VendorManager',
        methods: { full_sync: () => 'synced', other: () => 1 },
      }),
      manager('picky', 2, {
        methods: {
          full_sync: () => {
            throw new IncompatibleHardwareMethodError();
          },
        },
      }),
    ]);
    expect(await d.dispatchAll('full_sync', { node: null, ports: [], kwargs: {}, ctx })).toEqual({
      VendorManager: 'synced',
      GenericHardwareManager: null,
    });
    await expect(
      d.dispatchAll('nothing', { node: null, ports: [], kwargs: {}, ctx }),
    ).rejects.toBeInstanceOf(HardwareManagerMethodNotFound);
  });

  it('merges steps as IPA: support, then priority, then class name; grouped by class name', async () => {
    const methods = Object.fromEntries(
      ['erase_devices', 'erase_devices_metadata', 'flash_bios', 'tie', 'burnin_cpu'].map((n) => [
        n,
        () => null,
      ]),
    );
    const d = dispatcher([
      manager('generic_hardware_manager', 1, {
        className: 'GenericHardwareManager',
        methods,
        getCleanSteps: () => [
          step('erase_devices', 10),
          step('erase_devices_metadata', 99),
          step('burnin_cpu', 0),
          step('tie', 5),
        ],
      }),
      manager('vendor', 3, {
        className: 'VendorManager',
        methods,
        // Lower priority, but higher support wins.
        getCleanSteps: () => [
          step('erase_devices', 5),
          step('flash_bios', 0, { reboot_requested: true }),
        ],
      }),
      manager('zeta', 1, {
        className: 'ZetaManager',
        methods,
        // Same support as generic: the higher priority wins; equal priority goes to the
        // alphabetically first class name.
        getCleanSteps: () => [step('erase_devices_metadata', 100), step('tie', 5)],
      }),
      manager('quiet', 2, { className: 'QuietManager', methods, getCleanSteps: () => [] }),
    ]);
    const steps = await d.getSteps('clean', { uuid: 'n1' }, [], ctx);
    expect(steps).toEqual({
      VendorManager: [step('erase_devices', 5), step('flash_bios', 0, { reboot_requested: true })],
      ZetaManager: [step('erase_devices_metadata', 100)],
      GenericHardwareManager: [step('burnin_cpu', 0), step('tie', 5)],
    });
    expect(await d.getSteps('deploy', null, [], ctx)).toEqual({});
  });

  it('rejects malformed step lists naming the manager', async () => {
    const bad = (steps: unknown) =>
      dispatcher([
        manager('vendor', 2, {
          methods: { flash: () => null },
          getCleanSteps: () => steps as StepDefinition[],
        }),
      ]).getSteps('clean', null, [], ctx);
    await expect(
      bad([{ step: 'flash', priority: -1, interface: 'deploy', reboot_requested: false }]),
    ).rejects.toThrow('hardware manager vendor returned invalid clean steps: 0.priority');
    await expect(
      bad([{ step: 'flash', priority: 0, interface: 'kitchen', reboot_requested: false }]),
    ).rejects.toThrow('0.interface');
    await expect(bad([step('missing', 0)])).rejects.toThrow(
      'hardware manager vendor lists clean step missing but has no method of that name',
    );
  });

  it('waits for disks when a new node is cached, not when the same node comes again', async () => {
    const waits: unknown[] = [];
    const d = dispatcher([
      manager('generic', 1, {
        methods: { wait_for_disks: (kw, env) => waits.push([kw.node, env.node]) },
      }),
    ]);
    await d.cacheNode({ uuid: 'a' });
    await d.cacheNode({ uuid: 'a', extra: 1 });
    await d.cacheNode({ uuid: 'b' });
    await d.cacheNode(null);
    expect(waits).toEqual([
      [{ uuid: 'a' }, { uuid: 'a' }],
      [{ uuid: 'b' }, { uuid: 'b' }],
    ]);
    expect(d.node).toEqual({ uuid: 'b' });
  });

  it('lets a manager call the others through its env, with the command progress hook', async () => {
    const progress: unknown[] = [];
    const d = dispatcher([
      manager('generic', 1, {
        methods: { erase_block_device: (kw) => `erased ${String(kw.name)}` },
      }),
      manager('vendor', 2, {
        methods: {
          erase_devices: async (_kw, env) => {
            env.reportProgress({ fraction: 0.5 });
            return [await env.dispatch('erase_block_device', { name: 'sda' })];
          },
        },
      }),
    ]);
    const result = await d.dispatch('erase_devices', {
      node: null,
      ports: [],
      kwargs: {},
      ctx: { ...ctx, reportProgress: (p) => progress.push(p) },
    });
    expect(result).toEqual(['erased sda']);
    expect(progress).toEqual([{ fraction: 0.5 }]);
  });

  it('answers CLEAN_VERSION_MISMATCH when Ironic computed the steps against other managers', async () => {
    const d = dispatcher([
      manager('generic_hardware_manager', 1, {
        version: '1.2',
        methods: { erase_pstore: () => 'done' },
        getCleanSteps: () => [step('erase_pstore', 0)],
      }),
    ]);
    const executor = new CommandExecutor({
      clock: new FakeHost().clock,
      logger,
      signal: ctx.signal,
    });
    executor.register(stepExtension('clean', d));
    const listed = await executor.execute('clean.get_clean_steps', {
      node: { uuid: 'n' },
      ports: [],
    });
    expect(listed.result).toEqual({
      clean_steps: { GenericHardwareManager: [step('erase_pstore', 0)] },
      hardware_manager_version: { generic_hardware_manager: '1.2' },
    });
    const run = (version: unknown) =>
      executor.execute('clean.execute_clean_step', {
        step: { step: 'erase_pstore', interface: 'deploy', priority: 0 },
        node: { uuid: 'n' },
        ports: [],
        clean_version: version,
      });
    const stale = await run({ generic_hardware_manager: '1.1' });
    await stale.done;
    expect(stale.status).toBe('CLEAN_VERSION_MISMATCH');
    expect(stale.error?.details).toContain('"generic_hardware_manager":"1.2"');
    const ok = await run({ generic_hardware_manager: '1.2' });
    await ok.done;
    expect(ok.status).toBe('SUCCEEDED');
    expect(ok.result).toMatchObject({ clean_result: 'done' });
  });
});
