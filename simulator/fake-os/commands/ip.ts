import type { Machine, NicSpec } from '../../machine';
import { type CommandHandler, fail, ok } from './types';

/** iproute2 6.1 `ip [-j] [-4|-6] addr|link [show [dev] IF]`, from the machine's NICs. */
export const ip: CommandHandler = ({ machine }, args) => {
  let json = false;
  let family: 'inet' | 'inet6' | undefined;
  const rest: string[] = [];
  for (const arg of args) {
    if (arg === '-j' || arg === '-json' || arg === '--json') json = true;
    else if (arg === '-4') family = 'inet';
    else if (arg === '-6') family = 'inet6';
    else if (arg === '-o' || arg === '-d' || arg === '-p' || arg === '-pretty') continue;
    else rest.push(arg);
  }
  const [object, verb, ...tail] = rest;
  const isAddr =
    object !== undefined &&
    ['a', 'ad', 'add', 'addr', 'addre', 'addres', 'address'].includes(object);
  const isLink = object !== undefined && ['l', 'li', 'lin', 'link'].includes(object);
  if (!isAddr && !isLink) {
    if (object === 'route' || object === 'r') return ok(routes(machine, json));
    return fail(1, `Object "${object ?? ''}" is unknown, try "ip help".`);
  }
  if (verb === 'set' || verb === 'add' || verb === 'del' || verb === 'flush') return ok('');
  if (verb !== undefined && verb !== 'show' && verb !== 'list' && verb !== 'dev') {
    return fail(1, `Command "${verb}" is unknown, try "ip ${object} help".`);
  }
  const devIndex = tail.indexOf('dev');
  const only = verb === 'dev' ? tail[0] : devIndex >= 0 ? tail[devIndex + 1] : tail[0];
  let links = interfaces(machine);
  if (only) {
    links = links.filter((l) => l.ifname === only);
    if (links.length === 0) return fail(1, `Device "${only}" does not exist.`);
  }
  if (isLink) links = links.map(({ addr_info: _drop, ...link }) => ({ ...link, addr_info: [] }));
  if (family)
    links = links.map((l) => ({ ...l, addr_info: l.addr_info.filter((a) => a.family === family) }));
  if (json) {
    const out = isLink ? links.map(({ addr_info: _a, ...link }) => link) : links;
    return ok(`${JSON.stringify(out)}\n`);
  }
  return ok(links.map((l) => textLink(l, !isLink)).join(''));
};

interface AddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: 'host' | 'global' | 'link';
  dynamic?: boolean;
  label?: string;
  valid_life_time: number;
  preferred_life_time: number;
}

interface Link {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  qdisc: string;
  operstate: string;
  group: string;
  txqlen: number;
  link_type: string;
  address: string;
  broadcast: string;
  addr_info: AddrInfo[];
}

function interfaces(machine: Machine): Link[] {
  const forever = 4294967295;
  const out: Link[] = [
    {
      ifindex: 1,
      ifname: 'lo',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      mtu: 65536,
      qdisc: 'noqueue',
      operstate: 'UNKNOWN',
      group: 'default',
      txqlen: 1000,
      link_type: 'loopback',
      address: '00:00:00:00:00:00',
      broadcast: '00:00:00:00:00:00',
      addr_info: [
        {
          family: 'inet',
          local: '127.0.0.1',
          prefixlen: 8,
          scope: 'host',
          label: 'lo',
          valid_life_time: forever,
          preferred_life_time: forever,
        },
        {
          family: 'inet6',
          local: '::1',
          prefixlen: 128,
          scope: 'host',
          valid_life_time: forever,
          preferred_life_time: forever,
        },
      ],
    },
  ];
  machine.spec.nics.forEach((nic, i) => {
    const up = nic.connected && !machine.faults.linkDown.has(nic.name);
    const addr: AddrInfo[] = [];
    if (up && nic.ipv4) {
      addr.push({
        family: 'inet',
        local: nic.ipv4,
        prefixlen: 16,
        broadcast: broadcastOf(nic.ipv4),
        scope: 'global',
        dynamic: true,
        label: nic.name,
        valid_life_time: 86100,
        preferred_life_time: 86100,
      });
    }
    if (up) {
      addr.push({
        family: 'inet6',
        local: linkLocal(nic),
        prefixlen: 64,
        scope: 'link',
        valid_life_time: forever,
        preferred_life_time: forever,
      });
    }
    out.push({
      ifindex: i + 2,
      ifname: nic.name,
      flags: up
        ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']
        : ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
      mtu: 1500,
      qdisc: 'mq',
      operstate: up ? 'UP' : 'DOWN',
      group: 'default',
      txqlen: 1000,
      link_type: 'ether',
      address: nic.mac,
      broadcast: 'ff:ff:ff:ff:ff:ff',
      addr_info: addr,
    });
  });
  return out;
}

/** EUI-64 link-local address the kernel derives from the MAC. */
export function linkLocal(nic: Pick<NicSpec, 'mac'>): string {
  const b = nic.mac.split(':').map((h) => parseInt(h, 16));
  b[0] = b[0]! ^ 0x02;
  const eui = [b[0], b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]] as number[];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((eui[i]! << 8) | eui[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}

function broadcastOf(ipv4: string): string {
  const [a, b] = ipv4.split('.');
  return `${a}.${b}.255.255`;
}

function routes(machine: Machine, json: boolean): string {
  const nic = machine.spec.nics.find(
    (n) => n.ipv4 && n.connected && !machine.faults.linkDown.has(n.name),
  );
  if (!nic?.ipv4) return json ? '[]\n' : '';
  const [a, b] = nic.ipv4.split('.');
  const gateway = `${a}.${b}.0.1`;
  if (json) {
    return `${JSON.stringify([
      { dst: 'default', gateway, dev: nic.name, protocol: 'dhcp', flags: [] },
      {
        dst: `${a}.${b}.0.0/16`,
        dev: nic.name,
        protocol: 'kernel',
        scope: 'link',
        prefsrc: nic.ipv4,
        flags: [],
      },
    ])}\n`;
  }
  return `default via ${gateway} dev ${nic.name} proto dhcp\n${a}.${b}.0.0/16 dev ${nic.name} proto kernel scope link src ${nic.ipv4}\n`;
}

function textLink(link: Link, withAddr: boolean): string {
  const lines = [
    `${link.ifindex}: ${link.ifname}: <${link.flags.join(',')}> mtu ${link.mtu} qdisc ${link.qdisc} state ${link.operstate} group ${link.group} qlen ${link.txqlen}`,
    `    link/${link.link_type} ${link.address} brd ${link.broadcast}`,
  ];
  if (withAddr) {
    for (const a of link.addr_info) {
      const brd = a.broadcast ? ` brd ${a.broadcast}` : '';
      const dyn = a.dynamic ? ' dynamic' : '';
      const label = a.family === 'inet' && a.label ? ` ${a.label}` : '';
      lines.push(`    ${a.family} ${a.local}/${a.prefixlen}${brd} scope ${a.scope}${dyn}${label}`);
      const life = (n: number) => (n === 4294967295 ? 'forever' : `${n}sec`);
      lines.push(
        `       valid_lft ${life(a.valid_life_time)} preferred_lft ${life(a.preferred_life_time)}`,
      );
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}
