import Link from 'next/link';
import { LabSummary } from './lab-summary';

export function SiteHeader() {
  return (
    <header className="border-b border-zinc-200 dark:border-zinc-800">
      <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <Link href="/" className="text-sm font-semibold tracking-tight">
          Bare-metal lab
        </Link>
        <LabSummary />
      </div>
    </header>
  );
}
