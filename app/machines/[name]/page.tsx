import { MachineSummary } from './_components/machine-summary';

export default async function MachineSummaryPage({
  params,
}: {
  params: Promise<{ name: string }>;
}) {
  return <MachineSummary name={decodeURIComponent((await params).name)} />;
}
