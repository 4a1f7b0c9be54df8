import type { Metadata } from 'next';
import { SimulatorPanel } from './_components/simulator-panel';

export const metadata: Metadata = { title: 'Simulator' };

export default function SimulatorPage() {
  return (
    <main className="mx-auto max-w-screen-2xl px-4 py-5">
      <SimulatorPanel />
    </main>
  );
}
