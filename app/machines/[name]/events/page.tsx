import { Suspense } from 'react';
import { EventsView } from '../_components/events-view';

export default async function EventsPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  return (
    <Suspense fallback={<p className="text-sm text-zinc-500">Loading…</p>}>
      <EventsView name={name} />
    </Suspense>
  );
}
