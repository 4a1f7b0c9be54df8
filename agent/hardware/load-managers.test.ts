import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { defaultAgentConfig } from '../config';
import { FakeHost } from '../testing/fake-host';
import { importSpecifier, loadManagerPlugins } from './load-managers';
import { ManagerDispatcher } from './manager-dispatcher';

const env = {
  host: new FakeHost(),
  config: defaultAgentConfig(),
  logger: createLogger({ name: 'test', level: 'silent' }),
};
const valid = {
  name: 'acme',
  version: '2',
  evaluateHardwareSupport: () => 3,
  methods: { flash_bios: () => null },
};

describe('loadManagerPlugins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hwm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a default export, a named hardwareManager export or a factory', async () => {
    const modules: Record<string, unknown> = {
      a: { default: valid },
      b: { hardwareManager: { ...valid, name: 'b' } },
      c: { default: (e: typeof env) => ({ ...valid, name: `c-${e.config.listen_port}` }) },
      d: { default: { default: { ...valid, name: 'cjs' } } },
    };
    const loaded = await loadManagerPlugins(['a', 'b', 'c', 'd'], env, (s) =>
      Promise.resolve(modules[s]),
    );
    expect(loaded.map((m) => m.name)).toEqual(['acme', 'b', 'c-9999', 'cjs']);
  });

  it('names the plugin and the problem when it cannot be used', async () => {
    const load = (mod: unknown) =>
      loadManagerPlugins(['acme-hwm'], env, () => Promise.resolve(mod));
    await expect(load({ default: { ...valid, version: '' } })).rejects.toThrow(
      'hardware manager "acme-hwm": is not a valid hardware manager: version: version must be a non-empty string',
    );
    await expect(load({ default: { ...valid, methods: { flash_bios: 'nope' } } })).rejects.toThrow(
      'methods.flash_bios: every entry of methods must be a function',
    );
    await expect(
      load({ default: { ...valid, evaluateHardwareSupport: undefined } }),
    ).rejects.toThrow('evaluateHardwareSupport: evaluateHardwareSupport must be a function');
    await expect(load({ something: 1 })).rejects.toThrow(
      'hardware manager "acme-hwm": the module has neither a default export nor a `hardwareManager` export',
    );
    await expect(
      load({
        default: () => {
          throw new Error('no vendor tool');
        },
      }),
    ).rejects.toThrow('hardware manager "acme-hwm": its factory failed: no vendor tool');
    await expect(loadManagerPlugins(['does-not-exist-hwm-pkg'], env)).rejects.toThrow(
      /^hardware manager "does-not-exist-hwm-pkg": cannot be loaded: .*does-not-exist-hwm-pkg/,
    );
  });

  it('imports real modules by path, relative to the working directory', async () => {
    const file = join(dir, 'vendor.mjs');
    writeFileSync(
      file,
      `export default {
        name: 'vendor_from_file', version: '7', className: 'VendorFromFile',
        evaluateHardwareSupport: () => 2,
        getCleanSteps: () => [{ step: 'hello', priority: 0, interface: 'management', reboot_requested: false, abortable: true }],
        methods: { hello: (kw) => 'hello ' + kw.who },
      };\n`,
    );
    expect(importSpecifier('./vendor.mjs', dir)).toBe(pathToFileURL(file).href);
    expect(importSpecifier('@acme/hwm', dir)).toBe('@acme/hwm');
    const d = new ManagerDispatcher({
      host: env.host,
      config: defaultAgentConfig({ hardware_managers: [file] }),
      logger: env.logger,
      // The generic manager would probe this machine; only the plugin matters here.
      managers: await loadManagerPlugins([file], env),
    });
    await d.start();
    expect(d.versions()).toEqual({ vendor_from_file: '7' });
    const ctx = {
      signal: new AbortController().signal,
      logger: env.logger,
      name: 't',
      reportProgress: () => undefined,
    };
    expect(await d.getSteps('clean', null, [], ctx)).toEqual({
      VendorFromFile: [
        {
          step: 'hello',
          priority: 0,
          interface: 'management',
          reboot_requested: false,
          abortable: true,
        },
      ],
    });
    expect(await d.dispatch('hello', { node: null, ports: [], kwargs: { who: 'ops' }, ctx })).toBe(
      'hello ops',
    );
  });

  it('loads configured plugins before the generic manager, and fails start naming a bad one', async () => {
    const host = new FakeHost().command('lsblk', () => '{"blockdevices": []}');
    const good = new ManagerDispatcher({
      host,
      config: defaultAgentConfig({ hardware_managers: ['acme'], disk_wait_attempts: 0 }),
      logger: env.logger,
      importModule: () => Promise.resolve({ default: valid }),
    });
    await good.start();
    expect(good.managers.map((m) => m.manager.name)).toEqual(['acme', 'generic_hardware_manager']);
    const bad = new ManagerDispatcher({
      host,
      config: defaultAgentConfig({ hardware_managers: ['./broken.js'] }),
      logger: env.logger,
      importModule: () => Promise.reject(new Error('SyntaxError: Unexpected token')),
    });
    await expect(bad.start()).rejects.toThrow(
      'hardware manager "./broken.js": cannot be loaded: SyntaxError: Unexpected token',
    );
  });
});
