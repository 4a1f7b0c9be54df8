'use client';

import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { formatAge, formatInstant } from '../../../_components/format';
import { useLabClock } from '../../../_components/lab-clock';
import { familyCounts, filterByFamily } from '../../../_lib/event-facets';
import { useTRPC } from '../../../_trpc/client';

const th = 'px-3 py-2 text-left text-xs font-medium text-zinc-500 dark:text-zinc-400';
const td = 'px-3 py-2 align-top';

function summary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** The node's history as the conductor recorded it, newest first; refreshed on each transition. */
export function EventsView({ name }: { name: string }) {
  const trpc = useTRPC();
  const { now } = useLabClock();
  const search = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const chosen = new Set((search.get('type') ?? '').split(',').filter(Boolean));
  const toggle = (family: string) => {
    const next = new Set(chosen);
    if (next.has(family)) next.delete(family);
    else next.add(family);
    const params = new URLSearchParams(search.toString());
    if (next.size === 0) params.delete('type');
    else params.set('type', [...next].sort().join(','));
    const query = params.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const { data, isPending, error } = useQuery(
    trpc.machines.events.queryOptions(
      { ident: name, limit: 1000 },
      { staleTime: 5_000, retry: false },
    ),
  );
  if (isPending) return <p className="text-sm text-zinc-500">Loading…</p>;
  if (error)
    return (
      <p role="alert" className="text-sm text-red-700">
        {error.message}
      </p>
    );
  if (data.length === 0) return <p className="text-sm text-zinc-500">No events recorded yet.</p>;
  const events = filterByFamily(data, chosen).reverse();
  return (
    <div className="flex flex-col gap-3">
      <ul className="flex flex-wrap gap-1.5" aria-label="Filter events by kind">
        {familyCounts(data).map(([family, count]) => (
          <li key={family}>
            <button
              type="button"
              aria-pressed={chosen.has(family)}
              onClick={() => toggle(family)}
              className={`rounded-md px-2 py-0.5 font-mono text-xs ring-1 ring-inset ${
                chosen.has(family)
                  ? 'bg-sky-50 text-sky-900 ring-sky-600/30 dark:bg-sky-500/10 dark:text-sky-200'
                  : 'text-zinc-600 ring-zinc-200 hover:bg-zinc-50 dark:text-zinc-300 dark:ring-zinc-800 dark:hover:bg-zinc-900'
              }`}
            >
              {family} <span className="opacity-70">{count}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
        <table className="w-full text-sm">
          <caption className="sr-only">Events, newest first</caption>
          <thead className="bg-zinc-50 dark:bg-zinc-900">
            <tr>
              <th scope="col" className={th}>
                When
              </th>
              <th scope="col" className={th}>
                Event
              </th>
              <th scope="col" className={th}>
                Details
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {events.map((event) => {
              const at = Date.parse(event.at);
              return (
                <tr key={event.id} data-event-type={event.type}>
                  <td className={`${td} whitespace-nowrap`}>
                    <time
                      dateTime={event.at}
                      title={Number.isNaN(at) ? event.at : formatInstant(at)}
                    >
                      {now !== null && !Number.isNaN(at) ? formatAge(at, now) : event.at}
                    </time>
                  </td>
                  <th
                    scope="row"
                    className={`${td} text-left font-mono text-xs font-normal whitespace-nowrap`}
                  >
                    {event.type}
                  </th>
                  <td
                    className={`${td} font-mono text-xs break-all text-zinc-600 dark:text-zinc-300`}
                  >
                    {summary(event.data)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
