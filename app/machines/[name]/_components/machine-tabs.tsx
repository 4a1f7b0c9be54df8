'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { machineHref } from '../../../_components/machine-cells';

const TABS = [
  { label: 'Summary', path: '' },
  { label: 'Inventory', path: '/inventory' },
  { label: 'Events', path: '/events' },
  { label: 'Console', path: '/console' },
] as const;

/** Tabs are routes, so every view of a machine has its own address. */
export function MachineTabs({ name }: { name: string }) {
  const pathname = usePathname();
  const base = machineHref(name);
  return (
    <nav aria-label="Machine views" className="border-b border-zinc-200 dark:border-zinc-800">
      <ul className="-mb-px flex gap-1">
        {TABS.map((tab) => {
          const href = `${base}${tab.path}`;
          const current = decodeURIComponent(pathname) === decodeURIComponent(href);
          return (
            <li key={tab.label}>
              <Link
                href={href}
                aria-current={current ? 'page' : undefined}
                className={`inline-block border-b-2 px-3 py-2 text-sm ${
                  current
                    ? 'border-sky-600 font-medium text-zinc-900 dark:border-sky-400 dark:text-zinc-100'
                    : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:text-zinc-400 dark:hover:text-zinc-200'
                }`}
              >
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
