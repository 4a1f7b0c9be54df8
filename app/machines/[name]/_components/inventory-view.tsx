'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Inventory } from '../../../../protocol';
import { Card, Fact, Facts } from '../../../_components/facts';
import { formatDiskBytes } from '../../../_components/format';
import { defaultRootDisk } from '../../../_lib/root-disk';
import { useTRPC } from '../../../_trpc/client';

const th = 'px-2 py-1.5 text-left text-xs font-medium text-zinc-500 dark:text-zinc-400';
const td = 'px-2 py-1.5 align-top';
const mono = 'font-mono text-xs';

function DisksTable({ disks }: { disks: Inventory['disks'] }) {
  const root = defaultRootDisk(disks);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm">
        <caption className="sr-only">Disks</caption>
        <thead>
          <tr>
            {['Device', 'Model', 'Size', 'Type', 'Bus', 'Serial', 'WWN', 'Path'].map((h) => (
              <th key={h} scope="col" className={th}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {disks.map((d) => (
            <tr key={d.name}>
              <th scope="row" className={`${td} text-left font-mono text-xs font-normal`}>
                {d.name}
                {d.name === root && (
                  <span
                    className="ml-1.5 rounded bg-sky-50 px-1 font-sans text-sky-800 dark:bg-sky-500/10 dark:text-sky-300"
                    title="Without root device hints the agent installs here: the smallest disk of at least 4 GiB"
                  >
                    root
                  </span>
                )}
              </th>
              <td className={td}>{[d.vendor, d.model].filter(Boolean).join(' ')}</td>
              <td className={`${td} whitespace-nowrap`}>{formatDiskBytes(d.size)}</td>
              <td className={td}>{d.rotational ? 'HDD' : 'SSD'}</td>
              <td className={td}>{d.tran}</td>
              <td className={`${td} ${mono}`}>{d.serial}</td>
              <td className={`${td} ${mono}`}>{d.wwn}</td>
              <td className={`${td} ${mono}`}>{d.by_path ?? d.hctl}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NicsTable({ nics }: { nics: Inventory['interfaces'] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm">
        <caption className="sr-only">Network interfaces</caption>
        <thead>
          <tr>
            {['Name', 'MAC', 'IPv4', 'Link', 'Speed', 'Driver', 'PCI'].map((h) => (
              <th key={h} scope="col" className={th}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {nics.map((n) => (
            <tr key={n.name}>
              <th scope="row" className={`${td} text-left font-mono text-xs font-normal`}>
                {n.name}
              </th>
              <td className={`${td} ${mono}`}>{n.mac_address}</td>
              <td className={`${td} ${mono}`}>{n.ipv4_address}</td>
              <td className={td}>
                {n.has_carrier ? (
                  'up'
                ) : (
                  <span className="text-amber-700 dark:text-amber-400">no carrier</span>
                )}
              </td>
              <td className={`${td} whitespace-nowrap`}>
                {n.speed_mbps ? `${n.speed_mbps / 1000} Gb/s` : null}
              </td>
              <td className={td}>{n.driver}</td>
              <td className={`${td} ${mono}`}>{n.pci_address}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RawJson({ inventory, name }: { inventory: Inventory; name: string }) {
  const [copied, setCopied] = useState(false);
  const json = JSON.stringify(inventory, null, 2);
  const copy = async () => {
    await navigator.clipboard.writeText(json);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <Card
      title="Raw inventory (JSON)"
      action={
        <div className="flex gap-3 text-xs">
          <button
            type="button"
            onClick={() => void copy()}
            className="text-sky-700 hover:underline dark:text-sky-300"
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <a
            href={`data:application/json;charset=utf-8,${encodeURIComponent(json)}`}
            download={`${name}-inventory.json`}
            className="text-sky-700 hover:underline dark:text-sky-300"
          >
            Download
          </a>
        </div>
      }
    >
      <pre
        id="raw"
        tabIndex={0}
        aria-label="Inventory JSON"
        className="max-h-[32rem] overflow-auto rounded bg-zinc-50 p-3 text-xs dark:bg-zinc-900"
      >
        {json}
      </pre>
    </Card>
  );
}

/** Everything the agent reported at inspection, readable first and raw below. */
export function InventoryView({ name }: { name: string }) {
  const trpc = useTRPC();
  const { data, isPending, error } = useQuery(
    trpc.machines.inventory.queryOptions({ ident: name }, { staleTime: Infinity, retry: false }),
  );
  if (isPending) return <p className="text-sm text-zinc-500">Loading…</p>;
  if (error)
    return (
      <p role="alert" className="text-sm text-red-700">
        {error.message}
      </p>
    );
  const inv = data.inventory;
  if (!inv) {
    return (
      <p className="text-sm text-zinc-500">
        No inventory yet: power the machine on and its agent will be inspected.
      </p>
    );
  }
  const vendor = inv.system_vendor;
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 md:grid-cols-3">
        <Card title="System">
          <Facts>
            <Fact label="Vendor">{vendor.manufacturer}</Fact>
            <Fact label="Product">{vendor.product_name}</Fact>
            <Fact label="Serial">{vendor.serial_number}</Fact>
            <Fact label="Firmware">
              {vendor.firmware.vendor} {vendor.firmware.version} ({vendor.firmware.build_date})
            </Fact>
            <Fact label="Boot mode">{inv.boot.current_boot_mode}</Fact>
            <Fact label="PXE NIC">{inv.boot.pxe_interface}</Fact>
            <Fact label="Hostname">{inv.hostname}</Fact>
            <Fact label="BMC">{inv.bmc_address}</Fact>
          </Facts>
        </Card>
        <Card title="CPU">
          <Facts>
            <Fact label="Model">{inv.cpu.model_name}</Fact>
            <Fact label="Count">{inv.cpu.count}</Fact>
            <Fact label="Sockets">{inv.cpu.socket_count}</Fact>
            <Fact label="Architecture">{inv.cpu.architecture}</Fact>
            <Fact label="Frequency">{inv.cpu.frequency && `${inv.cpu.frequency} MHz`}</Fact>
            <Fact label="Flags">{inv.cpu.flags.length}</Fact>
          </Facts>
        </Card>
        <Card title="Memory">
          <Facts>
            <Fact label="Physical">
              {inv.memory.physical_mb !== null && `${inv.memory.physical_mb} MiB`}
            </Fact>
            <Fact label="Usable">{inv.memory.total !== null && `${inv.memory.total} bytes`}</Fact>
          </Facts>
        </Card>
      </div>
      <Card title={`Disks (${inv.disks.length})`}>
        <DisksTable disks={inv.disks} />
      </Card>
      <Card title={`Network interfaces (${inv.interfaces.length})`}>
        <NicsTable nics={inv.interfaces} />
      </Card>
      <RawJson inventory={inv} name={name} />
    </div>
  );
}
