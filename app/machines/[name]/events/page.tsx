import { EventsView } from '../_components/events-view';

export default async function EventsPage({ params }: { params: Promise<{ name: string }> }) {
  return <EventsView name={decodeURIComponent((await params).name)} />;
}
