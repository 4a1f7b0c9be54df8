import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult, Inventory } from '../../../protocol';
import { Agent } from '../../agent';
import { defaultAgentConfig } from '../../config';
import { LinuxHost } from '../../host/linux';

const TOKEN = 'real-host-token-'.padEnd(40, 'x');

/**
 * `poll.get_hardware_info` of a real Agent on this Linux machine (LinuxHost, generic hardware
 * manager) against what the system's own tools say.
 */
describe('poll.get_hardware_info on this machine', () => {
  let agent: Agent;
  let inventory: Inventory;

  beforeAll(async () => {
    agent = new Agent({
      host: new LinuxHost(),
      config: defaultAgentConfig({
        standalone: true,
        listen_host: '127.0.0.1',
        listen_port: 0,
        agent_token: TOKEN,
        disk_wait_attempts: 1,
      }),
    });
    await agent.start();
    const res = await fetch(`http://127.0.0.1:${agent.port}/v1/commands/?agent_token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'poll.get_hardware_info', params: {} }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({
      command_name: 'get_hardware_info',
      command_status: 'SUCCEEDED',
    });
    inventory = result.command_result as Inventory;
  });
  afterAll(() => agent.stop());

  it('counts the CPUs nproc counts', () => {
    expect(inventory.cpu.count).toBe(Number(execFileSync('nproc', ['--all']).toString().trim()));
  });

  it('reports MemTotal of /proc/meminfo in bytes', () => {
    const kib = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]!;
    expect(inventory.memory.total).toBe(Number(kib) * 1024);
  });

  it('lists the disks lsblk lists, with their sizes', () => {
    const rows = execFileSync('lsblk', ['-b', '-n', '-l', '-o', 'KNAME,TYPE,SIZE'])
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([kname, type, size]) => {
        const wanted = type === 'disk' || type!.includes('raid') || type === 'mpath';
        return wanted && Number(size) > 0 && !/^(fd|ram|zram)/.test(kname!);
      })
      .map(([kname, , size]) => [`/dev/${kname}`, Number(size)]);
    expect(inventory.disks.map((d) => [d.name, d.size])).toEqual(rows);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists the NICs ip link lists (with a device, without fa: MACs), with their MACs', () => {
    const links = JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as {
      ifname: string;
      address?: string;
      permaddr?: string;
    }[];
    const expected = links
      .filter((l) => {
        try {
          execFileSync('readlink', ['-e', `/sys/class/net/${l.ifname}/device`]);
        } catch {
          return false;
        }
        return !(l.permaddr ?? l.address ?? 'fa:').toLowerCase().startsWith('fa:');
      })
      .map((l) => [l.ifname, (l.permaddr ?? l.address)!.toLowerCase()])
      .sort();
    expect(inventory.interfaces.map((i) => [i.name, i.mac_address]).sort()).toEqual(expected);
  });

  it('names the hardware managers that answered', async () => {
    const res = await fetch(`http://127.0.0.1:${agent.port}/v1/commands/?agent_token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'clean.get_clean_steps',
        params: { node: { uuid: 'x' }, ports: [] },
      }),
    });
    const result = (await res.json()) as CommandResult;
    expect(result.command_result).toMatchObject({
      hardware_manager_version: { generic_hardware_manager: '1.2' },
    });
  });
});
