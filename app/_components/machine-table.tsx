'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SortKey } from '../_lib/search';
import type { MachineRow } from '../_server/router';
import { HeartbeatAge } from './heartbeat-age';
import {
  AgentCell,
  BmcCell,
  HardwareCell,
  machineHref,
  NameCell,
  PowerCell,
  ProvisionCell,
  type OnFilter,
} from './machine-cells';
import { PowerButton } from './power-button';
import type { ListParams } from './use-list-params';
import type { MachinePages } from './use-machine-pages';

const th =
  'sticky top-0 z-10 bg-zinc-50 px-3 py-2 text-left text-xs font-medium tracking-wide text-zinc-500 uppercase dark:bg-zinc-900 dark:text-zinc-400';
const td = 'px-3 py-2 align-top';
const COLUMNS = 8;
const ROW_ESTIMATE = 58;

const columns: { label: string; sort?: SortKey }[] = [
  { label: 'Machine', sort: 'name' },
  { label: 'Provision state', sort: 'state' },
  { label: 'Power', sort: 'power' },
  { label: 'Last heartbeat', sort: 'heartbeat' },
  { label: 'Agent' },
  { label: 'Hardware', sort: 'cpus' },
  { label: 'BMC' },
];

function SortHeader({
  label,
  sort,
  params,
  onSort,
}: {
  label: string;
  sort?: SortKey;
  params: ListParams;
  onSort: (sort: SortKey) => void;
}) {
  const active = sort !== undefined && params.sort === sort;
  const ariaSort = active ? (params.dir === 'asc' ? 'ascending' : 'descending') : undefined;
  return (
    <th scope="col" className={th} aria-sort={ariaSort}>
      {sort ? (
        <button type="button" onClick={() => onSort(sort)} className="uppercase hover:underline">
          {label}
          <span aria-hidden className="ml-1 inline-block w-2">
            {active ? (params.dir === 'asc' ? '↑' : '↓') : ''}
          </span>
        </button>
      ) : (
        label
      )}
    </th>
  );
}

function Row({
  row,
  index,
  onFilter,
  heartbeatTimeoutS,
  measure,
  focusable,
}: {
  row: MachineRow;
  index: number;
  onFilter: OnFilter;
  heartbeatTimeoutS?: number;
  measure: (el: HTMLTableRowElement | null) => void;
  /** The one row the Tab key lands on (a roving tabindex); arrow keys move it. */
  focusable: boolean;
}) {
  return (
    <tr
      ref={measure}
      data-index={index}
      data-machine={row.name}
      aria-rowindex={index + 2}
      tabIndex={focusable ? 0 : -1}
      aria-label={`${row.name}, ${row.provisionState}`}
      className="border-t border-zinc-100 hover:bg-zinc-50/60 focus:outline-2 focus:-outline-offset-2 focus:outline-sky-600 dark:border-zinc-800/80 dark:hover:bg-zinc-900/50 dark:focus:outline-sky-400"
    >
      <th scope="row" className={`${td} text-left font-normal`}>
        <NameCell row={row} onFilter={onFilter} />
      </th>
      <td className={td}>
        <ProvisionCell row={row} onFilter={onFilter} />
      </td>
      <td className={td}>
        <PowerCell state={row.powerState} onFilter={onFilter} />
      </td>
      <td className={`${td} whitespace-nowrap`}>
        <HeartbeatAge at={row.lastHeartbeat} timeoutS={heartbeatTimeoutS} />
      </td>
      <td className={td}>
        <AgentCell row={row} />
      </td>
      <td className={td}>
        <HardwareCell row={row} />
      </td>
      <td className={td}>
        <BmcCell row={row} />
      </td>
      <td className={`${td} text-right`}>
        <PowerButton row={row} />
      </td>
    </tr>
  );
}

/**
 * The fleet as one long, virtualised table: only the rows in view are in the DOM, and only their
 * pages are fetched, so ten thousand machines scroll like ten.
 */
export function MachineTable({
  pages,
  params,
  onRangeChange,
  onSort,
  onFilter,
  stale,
  heartbeatTimeoutS,
}: {
  pages: MachinePages;
  params: ListParams;
  onRangeChange: (first: number, last: number) => void;
  onSort: (sort: SortKey) => void;
  onFilter: OnFilter;
  stale: boolean;
  heartbeatTimeoutS?: number;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = pages.total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 12,
    getItemKey: (index) => pages.rowAt(index)?.uuid ?? `pending-${index}`,
    onChange: (instance) => {
      const items = instance.getVirtualItems();
      onRangeChange(items[0]?.index ?? 0, items.at(-1)?.index ?? 0);
    },
  });
  const items = virtualizer.getVirtualItems();
  const router = useRouter();
  const [active, setActive] = useState(0);
  const [pendingFocus, setPendingFocus] = useState<number | null>(null);
  const activeIndex = Math.min(active, Math.max(0, count - 1));

  // The row to focus may not be rendered yet (virtualised): focus it once it is.
  useEffect(() => {
    if (pendingFocus === null) return;
    const el = scrollRef.current?.querySelector<HTMLElement>(
      `tr[data-machine][data-index="${pendingFocus}"]`,
    );
    if (el) {
      el.focus({ preventScroll: true });
      setPendingFocus(null);
    }
  });

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const rowEl = (event.target as HTMLElement).closest<HTMLElement>('tr[data-machine]');
    if (!rowEl) return;
    const index = Number(rowEl.dataset.index);
    // Keys typed into a button or link inside the row keep their own meaning.
    if (event.target !== rowEl) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      router.push(machineHref(rowEl.dataset.machine ?? ''));
      return;
    }
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 580) / ROW_ESTIMATE));
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: count - 1,
    };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = Math.max(0, Math.min(count - 1, next));
    setActive(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    setPendingFocus(target);
  };

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);

  return (
    <div
      ref={scrollRef}
      className="max-h-[calc(100dvh-15rem)] overflow-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800"
    >
      <table
        className={`w-full border-collapse text-sm transition-opacity ${stale ? 'opacity-60' : ''}`}
        aria-rowcount={count + 1}
        aria-busy={stale || undefined}
      >
        <caption className="sr-only">
          Machines, updated live. Arrow keys move between rows, Enter opens one.
        </caption>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((c) => (
              <SortHeader key={c.label} {...c} params={params} onSort={onSort} />
            ))}
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody
          onKeyDown={onKeyDown}
          onFocus={(event) => {
            const index = (event.target as HTMLElement).closest<HTMLElement>('tr[data-machine]')
              ?.dataset.index;
            if (index !== undefined) setActive(Number(index));
          }}
        >
          {padTop > 0 && (
            <tr aria-hidden>
              <td colSpan={COLUMNS} style={{ height: padTop }} />
            </tr>
          )}
          {items.map((item) => {
            const row = pages.rowAt(item.index);
            return row ? (
              <Row
                key={item.key}
                row={row}
                index={item.index}
                onFilter={onFilter}
                heartbeatTimeoutS={heartbeatTimeoutS}
                measure={virtualizer.measureElement}
                focusable={item.index === activeIndex}
              />
            ) : (
              <tr key={item.key} data-index={item.index} aria-rowindex={item.index + 2}>
                <td
                  colSpan={COLUMNS}
                  className={`${td} text-zinc-500 dark:text-zinc-400`}
                  style={{ height: ROW_ESTIMATE }}
                >
                  Loading…
                </td>
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr aria-hidden>
              <td colSpan={COLUMNS} style={{ height: padBottom }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
