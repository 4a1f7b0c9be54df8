import { X509Certificate } from 'node:crypto';
import { Agent as UndiciAgent, fetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from './agent';
import type { Extension } from './commands';
import { type AgentConfig, defaultAgentConfig } from './config';
import type { AgentEvents } from './events';
import { FakeHost } from './testing/fake-host';
import { FakeIronic } from './testing/fake-ironic';
import { SteppingClock } from './testing/stepping-clock';
import { generateSelfSignedCertificate } from './tls';

const TOKEN = 'k'.repeat(40);
const MAC = '52:54:00:aa:bb:01';
const found = (token: string | null = TOKEN) => ({
  status: 200,
  body: {
    node: { uuid: 'node-1', properties: {}, instance_info: {}, driver_internal_info: {} },
    config: { heartbeat_timeout: 100, agent_token: token },
  },
});

function machine(clock: SteppingClock): FakeHost {
  return (
    new FakeHost(clock)
      .file('/proc/cmdline', 'BOOTIF=01-52-54-00-aa-bb-01')
      .file('/proc/sys/kernel/hostname', 'sim-1\n')
      .file('/proc/meminfo', 'MemTotal:       4194304 kB\n')
      .link('/sys/class/net/eth0/device', '../../../0000:00:03.0')
      .file('/sys/class/net/eth0/address', `${MAC}\n`)
      .file('/sys/class/net/eth0/carrier', '1\n')
      .command('ip', (args) =>
        args[0] === 'route'
          ? `${args[2]} dev lo src 127.0.0.1 uid 0\n    cache\n`
          : { exitCode: 1, stdout: '', stderr: 'unsupported' },
      )
      // One disk, so the generic hardware manager finds a root device without waiting for one.
      .command('lsblk', () =>
        JSON.stringify({
          blockdevices: [
            {
              kname: 'vda',
              model: null,
              size: 21474836480,
              rota: true,
              type: 'disk',
              uuid: null,
              partuuid: null,
              serial: null,
              wwn: null,
              'log-sec': 512,
              'phy-sec': 512,
              tran: null,
            },
          ],
        }),
      )
  );
}

describe('Agent', () => {
  let clock: SteppingClock;
  let ironic: FakeIronic;
  let agent: Agent | undefined;
  let events: { name: string; event: unknown }[];

  beforeEach(async () => {
    clock = new SteppingClock(Date.now());
    ironic = new FakeIronic(clock);
    await ironic.start();
    events = [];
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await ironic.stop();
  });

  const build = (overrides: Partial<AgentConfig> = {}, extensions: Extension[] = []) => {
    const config = defaultAgentConfig({
      api_url: [ironic.url],
      listen_host: '127.0.0.1',
      listen_port: 0,
      enable_auto_tls: false,
      ...overrides,
    });
    agent = new Agent({
      host: machine(clock),
      config,
      random: () => 0.5,
      fetch: ironic.fetch,
      extensions,
    });
    for (const name of ['state', 'lookup', 'heartbeat', 'inspection', 'command'] as const) {
      agent.on(name, (event: AgentEvents[typeof name]) => events.push({ name, event }));
    }
    return agent;
  };

  const drive = async (done: () => boolean, maxSteps = 200) => {
    for (let i = 0; i < maxSteps; i++) {
      await ironic.idle();
      if (done()) return;
      const due = clock.nextDue();
      if (due === undefined) throw new Error('nothing scheduled');
      await clock.advance(due - clock.now());
    }
    throw new Error('drive: too many steps');
  };

  it('looks up, serves the API with the lookup token, heartbeats and stops cleanly', async () => {
    let calls = 0;
    ironic.lookup = () =>
      ++calls < 3 ? { status: 404, body: { error_message: 'no node' } } : found();
    const gate: { release?: () => void } = {};
    const a = build({}, [
      {
        name: 'test',
        commands: {
          wait: {
            mode: 'async',
            params: [],
            run: () => new Promise<void>((r) => (gate.release = r)),
          },
        },
      },
    ]);
    const t0 = clock.now();
    await a.start();
    expect(a.port).toBeGreaterThan(0);
    await drive(() => ironic.of('/v1/heartbeat/').length === 1);
    expect(a.state).toBe('running');
    expect(a.nodeUuid).toBe('node-1');
    expect(a.callbackUrl).toBe(`http://127.0.0.1:${a.port}`);
    const lookups = ironic.of('/v1/lookup');
    expect(lookups.map((l) => l.at - t0)).toEqual([0, 1000, 2500]);
    expect(lookups[0]!.url).toContain(`addresses=${encodeURIComponent(MAC)}`);
    const [hb] = ironic.of('/v1/heartbeat/node-1');
    expect(hb!.at - t0).toBe(2500); // first heartbeat right after lookup
    expect(hb!.body).toEqual({
      callback_url: `http://127.0.0.1:${a.port}`,
      agent_token: TOKEN,
      agent_version: '12.0.0',
    });
    expect(
      events.filter((e) => e.name === 'state').map((e) => (e.event as { state: string }).state),
    ).toEqual(['looking-up', 'running']);
    expect(
      events.filter((e) => e.name === 'lookup').map((e) => (e.event as { ok: boolean }).ok),
    ).toEqual([false, false, true]);

    // The API takes the token handed out by lookup.
    const base = `http://127.0.0.1:${a.port}`;
    expect((await fetch(`${base}/v1/commands/?agent_token=wrong`)).status).toBe(401);
    const post = await fetch(`${base}/v1/commands/?agent_token=${TOKEN}`, {
      method: 'POST',
      body: JSON.stringify({ name: 'test.wait', params: {} }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({ command_name: 'wait', command_status: 'RUNNING' });

    // Second heartbeat is due at 2.5 s + 100 × 0.45 s; the command ending 1 s after the first
    // heartbeat forces one 5 s after it instead.
    await clock.advance(1000);
    gate.release!();
    await drive(() => ironic.of('/v1/heartbeat/').length === 2);
    expect(ironic.of('/v1/heartbeat/')[1]!.at - t0).toBe(7500);
    await drive(() => ironic.of('/v1/heartbeat/').length === 3);
    expect(ironic.of('/v1/heartbeat/')[2]!.at - t0).toBe(7500 + 45_000);

    await a.stop();
    expect(a.state).toBe('stopped');
    expect(clock.pending).toBe(0);
    await expect(fetch(`${base}/v1/status`)).rejects.toThrow();
    await a.stop(); // idempotent
  });

  it('switches to auto TLS with Ironic >= 1.68 and sends the certificate as agent_verify_ca', async () => {
    ironic.lookup = () => found();
    const a = build({ enable_auto_tls: true });
    await a.start();
    const port = a.port;
    await drive(() => ironic.of('/v1/heartbeat/').length === 1);
    expect(a.port).toBe(port);
    expect(a.callbackUrl).toBe(`https://127.0.0.1:${port}`);
    const body = ironic.of('/v1/heartbeat/')[0]!.body as Record<string, string>;
    expect(body.callback_url).toBe(`https://127.0.0.1:${port}`);
    const cert = new X509Certificate(body.agent_verify_ca!);
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(cert.subject).toBe('CN=sim-1');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    const dispatcher = new UndiciAgent({ connect: { ca: body.agent_verify_ca } });
    try {
      const res = await fetch(`https://127.0.0.1:${port}/v1/status`, { dispatcher });
      expect(res.status).toBe(200);
    } finally {
      await dispatcher.close();
    }
  });

  it('stays on HTTP when Ironic is older than 1.68', async () => {
    ironic.root = () => ({ status: 200, body: { default_version: { version: '1.67' } } });
    ironic.lookup = () => found();
    const a = build({ enable_auto_tls: true });
    await a.start();
    await drive(() => ironic.of('/v1/heartbeat/').length === 1);
    expect(ironic.of('/v1/heartbeat/')[0]!.body).not.toHaveProperty('agent_verify_ca');
    expect(a.callbackUrl).toMatch(/^http:/);
  });

  it('serves HTTPS with listen_tls and the configured certificate', async () => {
    const pki = generateSelfSignedCertificate({
      ipAddress: '127.0.0.1',
      commonName: 'manual',
      curve: 'p256',
      now: Date.now(),
      allowedClockSkewS: 60,
    });
    const config = defaultAgentConfig({
      listen_host: '127.0.0.1',
      listen_port: 0,
      standalone: true,
      listen_tls: true,
      advertise_protocol: 'https',
      tls_cert_file: '/etc/ipa/tls.crt',
      tls_key_file: '/etc/ipa/tls.key',
    });
    const host = machine(clock)
      .file('/etc/ipa/tls.crt', pki.certPem)
      .file('/etc/ipa/tls.key', pki.keyPem);
    agent = new Agent({ host, config });
    await agent.start();
    expect(agent.callbackUrl).toBe(`https://127.0.0.1:${agent.port}`);
    const dispatcher = new UndiciAgent({ connect: { ca: pki.certPem } });
    try {
      const res = await fetch(`https://127.0.0.1:${agent.port}/status`, { dispatcher });
      expect(await res.json()).toMatchObject({ version: '12.0.0' });
    } finally {
      await dispatcher.close();
    }
  });

  it('posts inspection data first and looks up with the node UUID it returns', async () => {
    ironic.lookup = () => found();
    const a = build({ inspection_callback_url: `${ironic.url}/v1/continue_inspection` });
    await a.start();
    await drive(() => a.state === 'running');
    const [inspection] = ironic.of('/v1/continue_inspection');
    expect(inspection!.body).toMatchObject({
      inventory: { hostname: 'sim-1', interfaces: [{ name: 'eth0', mac_address: MAC }] },
      boot_interface: '01-52-54-00-aa-bb-01',
      error: null,
    });
    expect(ironic.of('/v1/lookup')[0]!.url).toContain('node_uuid=inspected-uuid');
  });

  it('refuses to serve when Ironic already handed the token out', async () => {
    ironic.lookup = () => found('******');
    const a = build();
    await a.start();
    const port = a.port;
    await drive(() => a.state === 'failed');
    expect(
      events.find((e) => e.name === 'state' && (e.event as { state: string }).state === 'failed'),
    ).toMatchObject({
      event: { error: expect.stringContaining('already handed out') as unknown },
    });
    await expect(fetch(`http://127.0.0.1:${port}/v1/status`)).rejects.toThrow();
    expect(ironic.of('/v1/heartbeat/')).toHaveLength(0);
  });

  it('keeps a configured token when lookup masks it', async () => {
    ironic.lookup = () => found('******');
    const a = build({ agent_token: 'preset-token' });
    await a.start();
    await drive(() => ironic.of('/v1/heartbeat/').length === 1);
    expect(ironic.of('/v1/heartbeat/')[0]!.body).toMatchObject({ agent_token: 'preset-token' });
  });

  it('fails when lookup times out', async () => {
    const a = build({ lookup_timeout: 5 });
    await a.start();
    await drive(() => a.state === 'failed');
    expect(ironic.of('/v1/lookup').length).toBeGreaterThan(2);
  });

  it('in standalone mode serves the API with a generated token and never calls Ironic', async () => {
    const a = build({ standalone: true });
    await a.start();
    await ironic.idle();
    expect(a.state).toBe('running');
    expect(a.agentToken).toMatch(/^[\w-]{43}$/);
    const res = await fetch(`http://127.0.0.1:${a.port}/v1/commands/?agent_token=${a.agentToken}`);
    expect(await res.json()).toEqual({ commands: [] });
    expect(ironic.requests).toHaveLength(0);
  });

  it('serves get_hardware_info with a fresh inventory', async () => {
    const a = build({ standalone: true, agent_token: TOKEN });
    await a.start();
    const res = await fetch(
      `http://127.0.0.1:${a.port}/v1/commands/?agent_token=${TOKEN}&wait=true`,
      {
        method: 'POST',
        body: JSON.stringify({ name: 'poll.get_hardware_info', params: {} }),
      },
    );
    const body = (await res.json()) as { command_result: { hostname: string; memory: unknown } };
    expect(body.command_result.hostname).toBe('sim-1');
    expect(body.command_result.memory).toEqual({ total: 4294967296, physical_mb: 4096 });
  });

  it('stops the API after answering finalize_rescue, and never serves again once rescued', async () => {
    const a = build({ standalone: true, agent_token: TOKEN });
    const host = a.host as FakeHost;
    host.command('mkdir', () => '');
    await a.start();
    const base = `http://127.0.0.1:${a.port}`;
    const res = await fetch(`${base}/v1/commands/?agent_token=${TOKEN}&wait=false`, {
      method: 'POST',
      body: JSON.stringify({ name: 'rescue.finalize_rescue', params: { rescue_password: 'pw' } }),
    });
    expect(await res.json()).toMatchObject({ command_status: 'SUCCEEDED' });
    for (let i = 0; i < 200 && a.state !== 'stopped'; i++)
      await new Promise((r) => setTimeout(r, 2));
    expect(a.state).toBe('stopped');
    expect(events.at(-1)).toEqual({
      name: 'state',
      event: { state: 'stopped', previous: 'running', error: 'rescue' },
    });
    await expect(fetch(`${base}/v1/status`)).rejects.toThrow();

    const again = new Agent({ host, config: a.config });
    await again.start();
    expect(again.state).toBe('stopped');
    expect(again.port).toBeNull();
  });

  it('brings the NICs down after answering lockdown', async () => {
    const a = build({ standalone: true, agent_token: TOKEN });
    const host = a.host as FakeHost;
    const downs: string[] = [];
    host.command('ip', (args) => {
      if (args[0] === 'link') downs.push(args.join(' '));
      return '';
    });
    await a.start();
    await fetch(`http://127.0.0.1:${a.port}/v1/commands/?agent_token=${TOKEN}`, {
      method: 'POST',
      body: JSON.stringify({ name: 'system.lockdown', params: {} }),
    });
    for (let i = 0; i < 200 && a.state !== 'stopped'; i++)
      await new Promise((r) => setTimeout(r, 2));
    expect(a.state).toBe('stopped');
    expect(downs).toEqual(['link set eth0 down']);
  });

  it('keeps its log records in a bounded ring', async () => {
    const a = build({ standalone: true, log_ring_size: 10 });
    await a.start();
    const text = a.logRing.text();
    expect(text).toContain('starting ironic-python-agent');
    expect(text).toContain('API listening on');
    expect(a.logRing.snapshot().length).toBeLessThanOrEqual(10);
  });
});
