import { describe, expect, it } from 'vitest';
import { FakeHost } from '../testing/fake-host';
import { ConfigError } from './config-error';
import { DEFAULT_CONFIG_FILE, loadAgentConfig } from './load-config';

const FILE = `
# comment
[DEFAULT]
api_url = http://file.example:6385
listen_port = 1111
advertise_port = 1112
debug = false
insecure = false
lookup_timeout = 100

[mdns]
use_mdns = true
`;

function hostWith(files: Record<string, string>): FakeHost {
  const host = new FakeHost();
  for (const [path, content] of Object.entries(files)) host.file(path, content);
  return host;
}

async function expectConfigError(p: Promise<unknown>, message: string): Promise<void> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toBe(message);
}

describe('loadAgentConfig', () => {
  it('gives IPA defaults when nothing is set and the default file is missing', async () => {
    const config = await loadAgentConfig({ host: hostWith({}) });
    expect(config).toMatchObject({
      api_url: [],
      listen_host: '::',
      listen_port: 9999,
      advertise_host: null,
      advertise_protocol: 'http',
      standalone: false,
      debug: false,
      agent_token: null,
      lookup_timeout: 600,
      lookup_interval: 1,
      http_request_timeout: 30,
      insecure: false,
      enable_auto_tls: true,
      inspection_collectors: ['default', 'logs'],
      bootif: null,
    });
  });

  it('layers file < kernel command line < flags', async () => {
    const host = hostWith({
      [DEFAULT_CONFIG_FILE]: FILE,
      '/proc/cmdline':
        'BOOT_IMAGE=/vmlinuz ipa-api-url=http://a:6385,https://b:6385 ipa-listen-port=2222 ' +
        'ipa-insecure=1 ipa-debug=1 BOOTIF=01-52-54-00-12-34-56 nomodeset quiet',
    });
    const fromKernel = await loadAgentConfig({ host });
    expect(fromKernel.api_url).toEqual(['http://a:6385', 'https://b:6385']);
    expect(fromKernel.listen_port).toBe(2222);
    expect(fromKernel.advertise_port).toBe(1112); // file value survives
    expect(fromKernel.lookup_timeout).toBe(100);
    expect(fromKernel.insecure).toBe(true);
    expect(fromKernel.debug).toBe(true);
    expect(fromKernel.bootif).toBe('01-52-54-00-12-34-56');
    expect(fromKernel.kernel_params.BOOT_IMAGE).toBe('/vmlinuz');

    const withFlags = await loadAgentConfig({
      host,
      argv: ['--listen-port', '3333', '--api-url=http://c:1', '--nodebug', '--standalone'],
    });
    expect(withFlags.listen_port).toBe(3333);
    expect(withFlags.api_url).toEqual(['http://c:1']);
    expect(withFlags.debug).toBe(false);
    expect(withFlags.standalone).toBe(true);
  });

  it('reads an explicit --config-file and insists it exists', async () => {
    const host = hostWith({ '/tmp/a.conf': 'listen_host = 127.0.0.1\nagent_token = abc\n' });
    const config = await loadAgentConfig({ host, argv: ['--config-file', '/tmp/a.conf'] });
    expect(config.listen_host).toBe('127.0.0.1');
    expect(config.agent_token).toBe('abc');
    await expectConfigError(
      loadAgentConfig({ host, argv: ['--config-file=/tmp/missing.conf'] }),
      'config file /tmp/missing.conf not found',
    );
  });

  it('names the option, value and source of a bad value', async () => {
    await expectConfigError(
      loadAgentConfig({ host: hostWith({ '/proc/cmdline': 'ipa-listen-port=abc' }) }),
      'listen_port: "abc" from kernel command line (ipa-listen-port) is not a port',
    );
    await expectConfigError(
      loadAgentConfig({ host: hostWith({}), argv: ['--listen-port', '70000'] }),
      'listen_port: "70000" from command line (--listen-port) is not a port',
    );
    await expectConfigError(
      loadAgentConfig({ host: hostWith({ [DEFAULT_CONFIG_FILE]: 'insecure = maybe\n' }) }),
      `insecure: "maybe" from config file ${DEFAULT_CONFIG_FILE} is not a boolean`,
    );
    await expectConfigError(
      loadAgentConfig({ host: hostWith({ '/proc/cmdline': 'ipa-api-url=ftp://x' }) }),
      'api_url: "ftp://x" from kernel command line (ipa-api-url) is not a comma-separated list of http(s) URLs',
    );
    await expectConfigError(
      loadAgentConfig({ host: hostWith({}), argv: ['--advertise-protocol', 'gopher'] }),
      'advertise_protocol: "gopher" from command line (--advertise-protocol) is not one of http, https',
    );
  });

  it('rejects unknown flags and flags without values', async () => {
    await expectConfigError(
      loadAgentConfig({ host: hostWith({}), argv: ['--bogus'] }),
      'unknown option --bogus',
    );
    await expectConfigError(
      loadAgentConfig({ host: hostWith({}), argv: ['--listen-port'] }),
      '--listen-port needs a value',
    );
  });

  it('accepts listen_port 0 (ephemeral) and checks TLS file pairs', async () => {
    const config = await loadAgentConfig({ host: hostWith({}), argv: ['--listen-port', '0'] });
    expect(config.listen_port).toBe(0);
    await expectConfigError(
      loadAgentConfig({ host: hostWith({}), argv: ['--listen-tls'] }),
      'listen_tls: needs both tls_cert_file and tls_key_file',
    );
  });
});
