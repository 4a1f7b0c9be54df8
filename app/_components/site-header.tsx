'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { LabSummary } from './lab-summary';

const SECTIONS = [
  {
    href: '/',
    label: 'Machines',
    match: (p: string) => p === '/' || (p.startsWith('/machines') && p !== '/machines/enroll'),
  },
  { href: '/machines/enroll', label: 'Enroll', match: (p: string) => p === '/machines/enroll' },
  { href: '/images', label: 'Images', match: (p: string) => p.startsWith('/images') },
  { href: '/simulator', label: 'Simulator', match: (p: string) => p.startsWith('/simulator') },
] as const;

export function SiteHeader() {
  const pathname = usePathname();
  return (
    <header className="border-b border-zinc-200 dark:border-zinc-800">
      <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <div className="flex items-center gap-5">
          <Link href="/" className="text-sm font-semibold tracking-tight">
            Bare-metal lab
          </Link>
          <nav aria-label="Sections">
            <ul className="flex gap-3 text-sm">
              {SECTIONS.map((s) => {
                const current = s.match(pathname);
                return (
                  <li key={s.href}>
                    <Link
                      href={s.href}
                      aria-current={current ? 'page' : undefined}
                      className={
                        current
                          ? 'font-medium text-zinc-900 dark:text-zinc-100'
                          : 'text-zinc-500 hover:text-zinc-800 dark:text-zinc-400 dark:hover:text-zinc-200'
                      }
                    >
                      {s.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        </div>
        <LabSummary />
      </div>
    </header>
  );
}
