import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram } from '../support/find-program';
import { dhcpScript, initScript, inittab, runAgentScript } from './init-scripts';

function busybox(): string {
  const path = findProgram('busybox');
  if (!path) throw new Error('busybox is not installed: apt-get install busybox-static');
  return path;
}

describe('ramdisk boot scripts', () => {
  it.each([
    ['/init', initScript()],
    ['run-agent', runAgentScript()],
    ['udhcpc hook', dhcpScript()],
  ])('%s is valid BusyBox sh', (_name, script) => {
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    const r = spawnSync(busybox(), ['sh', '-n'], { input: script, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('mounts the /usr image before anything runs from /usr, and hands over to BusyBox init', () => {
    const init = initScript();
    const mount = init.indexOf('mount -t squashfs -o ro,loop /ipa-usr.squashfs /usr');
    expect(mount).toBeGreaterThan(init.indexOf('mount -t devtmpfs'));
    expect(mount).toBeLessThan(init.indexOf('load_drivers\n'));
    expect(init.trimEnd().endsWith('exec /sbin/init')).toBe(true);
    // udevd sees every device the drivers bring up and has named them before the agent starts.
    const udevd = init.indexOf('/usr/lib/systemd/systemd-udevd --daemon');
    expect(udevd).toBeGreaterThan(mount);
    expect(udevd).toBeLessThan(init.indexOf('load_drivers\n'));
    expect(init.indexOf('udevadm settle')).toBeGreaterThan(init.lastIndexOf('load_drivers\n'));
    expect(inittab()).toContain('::respawn:/usr/libexec/ironic-python-agent/run-agent');
  });

  it('restarts the agent unless the node was rescued', () => {
    const script = runAgentScript();
    expect(script).toContain('if [ -e /etc/.rescued ]');
    expect(script).toContain('node /agent.mjs');
  });

  it('configures an address from a lease, as udhcpc passes it', () => {
    // Run the hook with stubs for `ip` and the sysfs read that record what it asks for.
    const dir = mkdtempSync(join(tmpdir(), 'dhcp-hook-'));
    const hook = join(dir, 'default.script');
    writeFileSync(hook, dhcpScript().replace('> /dev/console', '>&2'));
    const calls = spawnSync(
      busybox(),
      ['sh', '-c', `ip() { echo "ip $*" >&2; }; cat() { echo 2; }; . ${hook} bound`],
      {
        encoding: 'utf8',
        env: {
          interface: 'eth0',
          ip: '10.0.2.15',
          mask: '24',
          router: '10.0.2.2',
        } as unknown as NodeJS.ProcessEnv,
      },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(calls.status).toBe(0);
    expect(calls.stderr).toContain('ip -4 addr replace 10.0.2.15/24 dev eth0');
    expect(calls.stderr).toContain('ip route replace default via 10.0.2.2 dev eth0 metric 102');
    expect(calls.stderr).toContain('ipa-init: eth0: 10.0.2.15/24 via 10.0.2.2');
  });
});
