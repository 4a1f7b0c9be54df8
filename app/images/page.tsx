import type { Metadata } from 'next';
import { ImagesPanel } from './_components/images-panel';

export const metadata: Metadata = { title: 'Images' };

export default function ImagesPage() {
  return (
    <main className="mx-auto max-w-screen-2xl px-4 py-5">
      <ImagesPanel />
    </main>
  );
}
