import { InventoryView } from '../_components/inventory-view';

export default async function InventoryPage({ params }: { params: Promise<{ name: string }> }) {
  return <InventoryView name={decodeURIComponent((await params).name)} />;
}
