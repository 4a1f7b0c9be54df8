import { Suspense } from 'react';
import { MachineList } from './_components/machine-list';

export default function MachinesPage() {
  return (
    <main className="mx-auto max-w-screen-2xl px-4 py-5">
      <Suspense
        fallback={
          <p className="py-10 text-center text-sm text-zinc-500 dark:text-zinc-400">Loading…</p>
        }
      >
        <MachineList />
      </Suspense>
    </main>
  );
}
