import { SerialConsole } from '../_components/serial-console';

export default async function ConsolePage({ params }: { params: Promise<{ name: string }> }) {
  return <SerialConsole name={decodeURIComponent((await params).name)} />;
}
