import { LabClockProvider } from './_components/lab-clock';
import { LabSummary } from './_components/lab-summary';
import { LiveMachinesProvider } from './_components/live-machines';
import { MachinesView } from './_components/machines-view';

export default function HomePage() {
  return (
    <LabClockProvider>
      <LiveMachinesProvider>
        <header className="border-b border-zinc-200 dark:border-zinc-800">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3">
            <span className="text-sm font-semibold tracking-tight">Bare-metal lab</span>
            <LabSummary />
          </div>
        </header>
        <main className="mx-auto max-w-7xl px-4 py-5">
          <MachinesView />
        </main>
      </LiveMachinesProvider>
    </LabClockProvider>
  );
}
